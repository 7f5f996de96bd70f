import { createHmac } from "node:crypto";
import { hmacKey } from "./hmac-key.ts";
import { canonicalJson } from "./idempotency.ts";

/**
 * ClientRequestTokens for Secrets Manager writes: a UUID-shaped HMAC of the operation under a server
 * key, so the same write always carries the same token (a retry is a no-op) and no token — which
 * becomes a visible VersionId — reveals anything about the value.
 */
export class SecretTokens {
  constructor(private readonly key: Buffer | undefined) {}

  for(...parts: unknown[]): string {
    const hex = createHmac("sha256", hmacKey(this.key, "secret-token"))
      .update(canonicalJson(parts))
      .digest("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  }
}
