import { createHmac } from "node:crypto";

/**
 * The server's HMAC keys, each derived for one purpose from the server key (`CONNVAULT_SERVER_KEY`; on
 * AWS random bytes the stacks generate, which nobody is shown), and the SST resource that carries it to
 * a deployed function (stacks/functions.ts derives them with `deriveKey` at deploy time). They are not
 * derived from the root key, so its holder can neither recompute an API key issued under an
 * Idempotency-Key nor forge a connector_page_url. Plain module: the stacks import it too.
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
  /** Connect session tokens (kept as keyed hashes) and the connect page's CSRF values. */
  "connect-session": "ConnectSessionKey",
} as const;
export type KeyPurpose = keyof typeof KEY_PURPOSES;

export const deriveKey = (serverKey: string, purpose: KeyPurpose): Buffer =>
  createHmac("sha256", serverKey).update(`connvault:${purpose}`).digest();
