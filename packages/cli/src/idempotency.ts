import { createHmac } from "node:crypto";
import { isObject, type Json } from "./records.ts";

/** The Idempotency-Keys of import requests: what makes re-running a file replay instead of create. */

/** What connvault accepts as an Idempotency-Key: 1–255 printable ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;

/** Serialises with sorted keys, so equal values give equal text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/**
 * The Idempotency-Key of a record that brings none: an HMAC, keyed with the importer's API key, of
 * what is sent (route and body) and of the record's identity in the source system, WITHOUT credential
 * values (`security`, header values, unified's `auth`). So re-running the same file with the same API
 * key replays instead of creating; connvault never receives (or stores) a digest of a credential; and
 * another member who sees the same fields cannot work the key (or the connection id made from it)
 * out. A record that differs only by its credentials gets the same key, and connvault answers 422
 * `idempotency_key_reused` for it.
 */
export function contentIdempotencyKey(
  secret: string,
  path: string,
  body: Json,
  sourceIdentity?: unknown,
): string {
  const { security, headers, auth, ...rest } = body;
  const publicPart = {
    path,
    body: rest,
    security_method: isObject(security) ? security.authMethod : undefined,
    header_names: isObject(headers) ? Object.keys(headers).sort() : undefined,
    has_auth: auth !== undefined,
    source: sourceIdentity,
  };
  const digest = createHmac("sha256", secret)
    .update(`connvault-import-v2\n${canonicalJson(publicPart)}`)
    .digest("base64url");
  return `connvault-import-v2-${digest}`;
}
