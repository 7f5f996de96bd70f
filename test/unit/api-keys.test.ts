import { generateApiKey, hashApiKey } from "@connvault/core";
import { describe, expect, it } from "vitest";

describe("API keys", () => {
  it("are cvk_ followed by 32 random bytes in base64url", () => {
    const keys = new Set(Array.from({ length: 1000 }, generateApiKey));
    expect(keys.size).toBe(1000);
    for (const key of keys) {
      expect(key).toMatch(/^cvk_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(key.slice(4), "base64url")).toHaveLength(32);
    }
  });

  it("hash to a stable SHA-256 hex digest that does not contain the key", () => {
    const key = generateApiKey();
    expect(hashApiKey(key)).toBe(hashApiKey(key));
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).not.toBe(hashApiKey(generateApiKey()));
  });
});
