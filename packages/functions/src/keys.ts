import { createHmac } from "node:crypto";

/**
 * The server's HMAC keys, each derived from the root key for one purpose, and the SST resource that
 * carries it to a deployed function without the root key (stacks/functions.ts derives them with
 * `deriveKey` at deploy time). Plain module: the stacks import it too.
 */
export const KEY_PURPOSES = {
  /** Pagination cursors. */
  cursor: "CursorKey",
  /** Secrets Manager ClientRequestTokens. */
  "secret-token": "SecretTokenKey",
  /** API keys issued under an Idempotency-Key. */
  "api-key": "ApiKeyDerivationKey",
  /** The state in connector_page_url. */
  "oauth-page": "OAuthPageKey",
} as const;
export type KeyPurpose = keyof typeof KEY_PURPOSES;

export const deriveKey = (root: string, purpose: KeyPurpose): Buffer =>
  createHmac("sha256", root).update(`connvault:${purpose}`).digest();
