import { randomBytes } from "node:crypto";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { describe, expect } from "vitest";
import { secretsManagerClient } from "../helpers/aws.ts";
import { InjectedServiceUnavailable, injectFault } from "../helpers/faults.ts";
import { it as harnessIt } from "../helpers/fixtures.ts";

/** A raw Secrets Manager client on the harness's AWS edge, for the file. */
const it = harnessIt.extend<{ sm: SecretsManagerClient }>({
  sm: [
    async ({ h }, use) => {
      const sm = secretsManagerClient(h.edge.url);
      await use(sm);
      sm.destroy();
    },
    { scope: "file" },
  ],
});

describe("injectFault", () => {
  const exists = (sm: SecretsManagerClient, name: string) =>
    sm.send(new DescribeSecretCommand({ SecretId: name })).then(
      () => true,
      () => false,
    );

  it.for(["before", "after"] as const)(
    "fails the call %s it reaches the endpoint, as a transient server fault",
    async (when, { sm }) => {
      const name = `fault-helper/${when}-${randomBytes(6).toString("hex")}`;
      const fault = injectFault(sm, { command: "CreateSecretCommand", when });
      try {
        await expect(sm.send(new CreateSecretCommand({ Name: name, SecretString: "x" }))).rejects.toSatisfy(
          (error) =>
            error instanceof InjectedServiceUnavailable &&
            error.name === "ServiceUnavailable" &&
            error.$fault === "server" &&
            error.$metadata.httpStatusCode === 503,
        );
      } finally {
        fault.remove();
      }
      expect(fault.fired).toBe(1);
      expect(await exists(sm, name)).toBe(when === "after");
    },
  );

  it("fails only the nth matching call, `times` times, and nothing once removed", async ({ sm }) => {
    const fault = injectFault(sm, { command: "DescribeSecretCommand", when: "before", nth: 2, times: 2 });
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(
        await sm.send(new DescribeSecretCommand({ SecretId: "fault-helper/missing" })).then(
          () => "found",
          (error: Error) => error.name,
        ),
      );
    }
    fault.remove();
    const after = await sm
      .send(new DescribeSecretCommand({ SecretId: "fault-helper/missing" }))
      .catch((error: Error) => error.name);
    expect(outcomes).toEqual([
      "ResourceNotFoundException",
      "ServiceUnavailable",
      "ServiceUnavailable",
      "ResourceNotFoundException",
    ]);
    expect([fault.seen, fault.fired, after]).toEqual([4, 2, "ResourceNotFoundException"]);
  });
});
