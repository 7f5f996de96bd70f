import { describe, expect, it } from "vitest";

describe("loadConfig in a deployed function", () => {
  it("reads the table, prefix, KMS key and root key from SST's linked resources", async () => {
    // Prepare: what SST puts in a linked function's environment (this file runs in its own worker).
    const rootKey = `cvk_${"r".repeat(43)}`;
    Object.assign(process.env, {
      SST_RESOURCE_App: JSON.stringify({ name: "connvault", stage: "prod" }),
      SST_RESOURCE_ConnvaultSettings: JSON.stringify({
        table: "connvault-prod-TableTable-abc",
        secretPrefix: "connvault/prod",
        kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/1234",
        type: "sst.sst.Linkable",
      }),
      SST_RESOURCE_RootApiKey: JSON.stringify({ value: rootKey, type: "sst.sst.Secret" }),
    });
    const { loadConfig } = await import("@connvault/functions");

    // Act: the environment alone lacks the root key; the links supply it.
    const config = loadConfig({ AWS_REGION: "eu-west-1", CONNVAULT_DOCS_SCRIPT: "scalar.js" });

    // Assess
    expect(config).toMatchObject({
      tableName: "connvault-prod-TableTable-abc",
      secretPrefix: "connvault/prod",
      kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/1234",
      rootApiKey: rootKey,
      region: "eu-west-1",
      docsScriptPath: "scalar.js",
    });
  });
});
