import {
  CreateSecretCommand,
  DeleteSecretCommand,
  ListSecretsCommand,
} from "@aws-sdk/client-secrets-manager";
import { type Edge, startEdge } from "@connvault/local";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { purgeSecrets } from "../../scripts/remove-stage.ts";
import { secretsManagerClient } from "../helpers/aws.ts";

describe("npm run remove: the stage's run-time secrets", () => {
  let edge: Edge;
  beforeEach(async () => {
    edge = await startEdge();
  });
  afterEach(() => edge.close());

  it("deletes every secret under the stage's prefix, pending deletion included, and nothing else", async () => {
    // Prepare: 120 secrets of the stage (more than one ListSecrets page), one already scheduled for
    // deletion, one of another stage whose name starts the same way, one made by someone else.
    const client = secretsManagerClient(edge.url);
    const create = (Name: string) => client.send(new CreateSecretCommand({ Name, SecretString: "{}" }));
    for (let i = 0; i < 120; i++) await create(`connvault/dev/connections/org_1/conn_${i}`);
    await create("connvault/dev/connectors/slack");
    await client.send(
      new DeleteSecretCommand({
        SecretId: "connvault/dev/connections/org_1/conn_0",
        RecoveryWindowInDays: 7,
      }),
    );
    await create("connvault/dev2/connections/org_1/conn_a");
    await create("someone-else/api-key");

    // Act
    const purged = await purgeSecrets(client, "connvault/dev", () => undefined);

    // Assess
    expect(purged).toBe(121);
    const left = await client.send(new ListSecretsCommand({ IncludePlannedDeletion: true, MaxResults: 100 }));
    expect(left.SecretList?.map((s) => s.Name).sort()).toEqual([
      "connvault/dev2/connections/org_1/conn_a",
      "someone-else/api-key",
    ]);
  });
});
