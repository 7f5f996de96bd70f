import { createHash } from "node:crypto";
import { z } from "zod";
import { DomainError } from "./errors.ts";

/** The `Idempotency-Key` header: 1–255 printable ASCII characters. */
export const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e][\x20-\x7e]{0,254}$/, "1–255 printable ASCII characters")
  .meta({
    description:
      "1–255 printable ASCII characters that make a POST safe to retry: a replay with the same body returns the original response (with Idempotent-Replayed: true); the same key with another body is 422",
  });

export interface Replayable<T> {
  result: T;
  /** true when an Idempotency-Key matched an earlier request, whose result this is. */
  replayed: boolean;
}

export class IdempotencyKeyReusedError extends DomainError {
  constructor() {
    super("idempotency_key_reused", "This Idempotency-Key was already used with a different request");
  }
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * A prefixed id that is a function of its parts, shaped like a ULID (26 Crockford base32
 * characters). Keyed operations use it so a retry addresses the same resource instead of a new one.
 */
export function deterministicId(prefix: string, ...parts: string[]): string {
  const digest = createHash("sha256").update(parts.join("\n")).digest();
  let id = "";
  for (let i = 0; i < 26; i++) id += CROCKFORD[(digest[i] ?? 0) % 32];
  return `${prefix}_${id}`;
}

/** A copy with every object's keys in sorted order; values with `toJSON` (dates) stay as they are. */
const sortedKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (!value || typeof value !== "object" || typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return value;
  }
  const entries = Object.keys(value).sort();
  return Object.fromEntries(entries.map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]));
};

/**
 * Serialises with sorted keys, so equal values give equal text. The copy is sorted first: a
 * `JSON.stringify` replacer would be called for every value, and this runs on every write's token.
 */
export const canonicalJson = (value: unknown): string => JSON.stringify(sortedKeys(value));

/**
 * A digest of a request's non-secret content. Callers never pass credential values: those are
 * compared by Secrets Manager itself (same ClientRequestToken with another value is rejected).
 */
export const fingerprint = (value: unknown): string =>
  createHash("sha256").update(canonicalJson(value)).digest("base64url").slice(0, 32);
