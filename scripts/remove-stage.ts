import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import {
  DeleteSecretCommand,
  ListSecretsCommand,
  type SecretListEntry,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";

/**
 * `npm run remove -- --stage <stage>`: deletes the secrets connvault created at run time under the
 * stage's prefix (they are not Pulumi resources, so `sst remove` would leave them billed, under a KMS
 * key scheduled for deletion), then runs `sst remove`. The `production` stage is refused: it is
 * protected (`retain`, `protect`, deletion protection) and its credentials are not to be purged.
 */
export async function purgeSecrets(
  client: SecretsManagerClient,
  prefix: string,
  log: (line: string) => void = console.log,
): Promise<number> {
  // List every page first: deleting while paging would shift the pages still to come.
  const secrets: SecretListEntry[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListSecretsCommand({
        Filters: [{ Key: "name", Values: [`${prefix}/`] }],
        IncludePlannedDeletion: true,
        MaxResults: 100,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    secrets.push(...(page.SecretList ?? []));
    token = page.NextToken;
  } while (token);
  // The name filter is a prefix match; keep exactly the stage's namespace.
  const under = secrets.filter((secret) => secret.Name?.startsWith(`${prefix}/`));
  for (const secret of under) {
    await client.send(new DeleteSecretCommand({ SecretId: secret.ARN, ForceDeleteWithoutRecovery: true }));
    log(`deleted ${secret.Name}`);
  }
  return under.length;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { stage: { type: "string" }, "secrets-only": { type: "boolean" } },
  });
  const stage = values.stage;
  if (!stage || !/^[A-Za-z0-9-]+$/.test(stage)) {
    console.error("Usage: npm run remove -- --stage <stage> [--secrets-only]");
    process.exit(2);
  }
  if (stage === "production") {
    console.error("The production stage is protected: connvault will not purge its secrets or remove it.");
    process.exit(2);
  }
  const prefix = `connvault/${stage}`;
  const purged = await purgeSecrets(new SecretsManagerClient({}), prefix);
  console.log(`${purged} secret(s) under ${prefix}/ deleted`);
  if (!values["secrets-only"]) {
    const sst = spawnSync("npx", ["sst", "remove", "--stage", stage], { stdio: "inherit" });
    process.exit(sst.status ?? 1);
  }
}
