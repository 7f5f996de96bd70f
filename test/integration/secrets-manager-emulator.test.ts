import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  type SecretsManagerClient,
  SecretsManagerServiceException,
} from "@aws-sdk/client-secrets-manager";
import { type Edge, LOCAL_ACCOUNT_ID, LOCAL_REGION, startEdge } from "@connvault/local";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AwsServiceError } from "../../packages/local/src/aws-json.ts";
import { SecretsManagerEmulator } from "../../packages/local/src/secrets-manager/emulator.ts";
import {
  describeSecretsManagerContract,
  rejection,
  rewriteRequests,
} from "../contracts/secrets-manager.contract.ts";
import { secretsManagerClient } from "../helpers/aws.ts";

const DAY_MS = 86_400_000;

// The contract itself (test/contracts/secrets-manager.contract.ts) also runs against moto in the
// conformance suite; what follows here is only what is particular to connvault's own emulator.
describe("Secrets Manager emulator through the AWS SDK", () => {
  let edge: Edge;

  beforeEach(async () => {
    edge = await startEdge();
  });

  afterEach(async () => {
    await edge.close();
  });

  describeSecretsManagerContract(() => edge.url);

  describe("operations it does not serve", () => {
    let client: SecretsManagerClient;

    beforeEach(() => {
      client = secretsManagerClient(edge.url);
    });

    afterEach(() => {
      client.destroy();
    });

    const describeSecret = (secretId: string) =>
      client.send(new DescribeSecretCommand({ SecretId: secretId }));

    it("answers UnknownOperationException for an operation it does not serve", async () => {
      // Prepare
      rewriteRequests(client, (request) => {
        request.headers["x-amz-target"] = "secretsmanager.RotateSecret";
      });

      // Act
      const error = await rejection(describeSecret("anything"));

      // Assess
      expect(error).toBeInstanceOf(SecretsManagerServiceException);
      expect(error.name).toBe("UnknownOperationException");
    });
  });
});

describe("Secrets Manager emulator persistence", () => {
  it("keeps secrets and their values across an edge restart with the same data directory", async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), "connvault-secrets-"));
    try {
      const first = await startEdge({ dataDir });
      const firstClient = secretsManagerClient(first.url);
      const created = await firstClient.send(
        new CreateSecretCommand({
          Name: "persisted",
          SecretString: "survives",
          Tags: [{ Key: "k", Value: "v" }],
        }),
      );
      firstClient.destroy();
      await first.close();

      // Act
      const second = await startEdge({ dataDir });
      const secondClient = secretsManagerClient(second.url);
      const read = await secondClient.send(new GetSecretValueCommand({ SecretId: "persisted" }));
      const described = await secondClient.send(new DescribeSecretCommand({ SecretId: "persisted" }));
      secondClient.destroy();
      await second.close();

      // Assess
      expect(read).toMatchObject({
        ARN: created.ARN,
        VersionId: created.VersionId,
        SecretString: "survives",
      });
      expect(described.Tags).toEqual([{ Key: "k", Value: "v" }]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("Secrets Manager emulator clock", () => {
  const thrown = (action: () => unknown): AwsServiceError => {
    try {
      action();
    } catch (error) {
      return error as AwsServiceError;
    }
    throw new Error("expected the call to fail");
  };

  it("purges a scheduled secret once its deletion date has passed and frees the name", () => {
    // Prepare
    let now = new Date("2026-03-01T12:00:00Z");
    const emulator = new SecretsManagerEmulator({
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      now: () => now,
    });
    const createInput = { Name: "expiring", SecretString: "v", ClientRequestToken: randomUUID() };
    emulator.handle("CreateSecret", createInput);
    emulator.handle("DeleteSecret", { SecretId: "expiring", RecoveryWindowInDays: 7 });
    const deletionDate = now.getTime() + 7 * DAY_MS;

    // Act
    now = new Date(deletionDate - 1000);
    const beforeDeadline = emulator.handle("DescribeSecret", { SecretId: "expiring" });
    now = new Date(deletionDate);
    const afterDeadline = thrown(() => emulator.handle("DescribeSecret", { SecretId: "expiring" }));
    const recreated = emulator.handle("CreateSecret", { ...createInput, ClientRequestToken: randomUUID() });

    // Assess
    expect(beforeDeadline.body).toMatchObject({
      Name: "expiring",
      DeletedDate: deletionDate / 1000 - 7 * 86_400,
    });
    expect(afterDeadline).toBeInstanceOf(AwsServiceError);
    expect(afterDeadline.code).toBe("ResourceNotFoundException");
    expect(recreated.status, JSON.stringify(recreated.body)).toBe(200);
  });
});
