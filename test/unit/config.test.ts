import { dynamoClient, eventBridgeClient, loadConfig, redact, secretsClient } from "@connvault/functions";
import { describe, expect, it } from "vitest";
import { deriveKey } from "../../packages/functions/src/keys.ts";

const rootKey = `cvk_${"a".repeat(43)}`;

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const config = loadConfig({ CONNVAULT_ROOT_API_KEY: rootKey });
    expect(config).toMatchObject({
      tableName: "connvault",
      secretPrefix: "connvault/local",
      cacheTtlMs: 60_000,
      region: "us-east-1",
    });
    expect(config.keys).toEqual({});
  });

  it("derives every HMAC key from the server key, none from the root key", () => {
    const serverKey = "s".repeat(43);
    const config = loadConfig({ CONNVAULT_ROOT_API_KEY: rootKey, CONNVAULT_SERVER_KEY: serverKey });
    expect(Object.keys(config.keys).sort()).toEqual([
      "api-key",
      "connect-session",
      "cursor",
      "oauth-page",
      "secret-token",
    ]);
    expect(config.keys.cursor).toEqual(deriveKey(serverKey, "cursor"));
    expect(config.keys.cursor).not.toEqual(deriveKey(rootKey, "cursor"));
  });

  it("fails fast, naming every invalid variable", () => {
    expect(() => loadConfig({ CONNVAULT_ROOT_API_KEY: "short", CONNVAULT_CACHE_TTL_SECONDS: "600" })).toThrow(
      /CONNVAULT_ROOT_API_KEY.*CONNVAULT_CACHE_TTL_SECONDS/,
    );
  });
});

describe("log redaction", () => {
  it("replaces credential-bearing keys wherever they appear", () => {
    const line = JSON.stringify(
      { a: { security: { token: "s1" }, headers: { x: "s2" } }, Authorization: "Bearer s3", ok: "visible" },
      redact,
    );
    expect(line).not.toMatch(/s1|s2|s3/);
    expect(line).toContain("visible");
  });
});

describe("the AWS SDK clients", () => {
  it("resolve each command's middleware stack once and carry no logger middleware", () => {
    const config = loadConfig({ CONNVAULT_ROOT_API_KEY: rootKey });
    for (const client of [dynamoClient(config), secretsClient(config), eventBridgeClient(config)]) {
      expect(client.config.cacheMiddleware).toBe(true);
      expect(client.middlewareStack.identify().join()).not.toContain("loggerMiddleware");
      expect(client.middlewareStack.identify().join()).toContain("retryMiddleware");
    }
  });
});
