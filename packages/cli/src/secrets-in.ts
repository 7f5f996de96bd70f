import { isObject } from "./records.ts";

/** Fields whose whole content is secret, in any of the formats. */
const SECRET_FIELDS = new Set(["security", "headers", "auth", "credentials"]);
/** Any other field whose name says it holds a secret (e.g. a key put in `metadata` by mistake). */
const SECRET_NAME = /token|secret|password|passwd|api_?key|credential|private|signature|cookie|auth/i;

/** Descriptive fields inside credentials: not secret, and worth reading in an error message. */
const DESCRIPTIVE = new Set(["authMethod", "type", "headerName", "token_type", "expires_at"]);

function collect(value: unknown, min: number, into: Set<string>): void {
  if (typeof value === "string") {
    if (value.length >= min) into.add(value);
  } else if (Array.isArray(value)) for (const item of value) collect(item, min, into);
  else if (isObject(value))
    for (const [key, item] of Object.entries(value)) if (!DESCRIPTIVE.has(key)) collect(item, min, into);
}

/**
 * The credential values of a record (every string under `security`, `headers`, `auth`,
 * `credentials`, or a field named like a secret), at least `min` characters long: what must never be
 * printed, even if a server quoted one back.
 */
export function secretsIn(value: unknown, min = 3, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) secretsIn(item, min, into);
  else if (isObject(value))
    for (const [key, item] of Object.entries(value)) {
      if (SECRET_FIELDS.has(key) || SECRET_NAME.test(key)) collect(item, min, into);
      else secretsIn(item, min, into);
    }
  return into;
}
