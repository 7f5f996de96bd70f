import { describe, expect, it } from "vitest";
import { deriveKey } from "../../packages/functions/src/keys.ts";

describe("loadConfig in a deployed function without the root key", () => {
  it("has exactly the per-purpose keys SST linked to it, and no root", async () => {
    // Prepare: what SST links into the oauth function (this file runs in its own worker).
    const root = `cvk_${"k".repeat(43)}`;
    const linked = (purpose: "secret-token" | "oauth-page") =>
      JSON.stringify({ value: deriveKey(root, purpose).toString("base64url"), type: "sst.sst.Linkable" });
    Object.assign(process.env, {
      SST_RESOURCE_App: JSON.stringify({ name: "connvault", stage: "prod" }),
      SST_RESOURCE_ConnvaultSettings: JSON.stringify({
        table: "connvault-prod-TableTable-abc",
        secretPrefix: "connvault/prod",
        kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/1234",
        type: "sst.sst.Linkable",
      }),
      SST_RESOURCE_SecretTokenKey: linked("secret-token"),
      SST_RESOURCE_OAuthPageKey: linked("oauth-page"),
    });
    const { loadConfig } = await import("@connvault/functions");

    // Act
    const config = loadConfig({ AWS_REGION: "eu-west-1" });

    // Assess: the same keys the api derives from the root key, and no root key.
    expect(config.rootApiKey).toBeUndefined();
    expect(config.keys).toEqual({
      "secret-token": deriveKey(root, "secret-token"),
      "oauth-page": deriveKey(root, "oauth-page"),
    });
  });
});
