import type { core } from "zod";
import { closestMatch } from "./suggest.ts";

/** Write-only objects whose key names may be credentials pasted in the wrong place. */
export const WRITE_ONLY = new Set(["security", "headers", "auth"]);

/** What a `headers` key may be: an RFC 9110 token, as the key schema of `headers` checks it. */
export const HEADER_NAME_RULE = "header names are letters, digits and !#$%&'*+-.^_`|~ (no spaces or colons)";

/** Enumerations longer than this are not spelled out in a message. */
const MAX_LISTED = 10;

type Issue = core.$ZodIssue;
type RawIssue = core.$ZodRawIssue;

/**
 * The known keys of the object behind each `unrecognized_keys` issue, by the issue's `keys` array: a
 * finalized issue no longer has its schema, but it keeps that array.
 */
const knownKeysByIssue = new WeakMap<readonly string[], readonly string[]>();

const isWriteOnly = (path: readonly PropertyKey[]) => WRITE_ONLY.has(String(path[0]));

/**
 * How a message names the field at `path`: its dotted path, but never a header's name, which may be a
 * credential pasted in the wrong place. Undefined for the root of what was parsed.
 */
function label(path: readonly PropertyKey[]): string | undefined {
  if (path.length === 0) return undefined;
  if (path[0] === "headers") return path.length > 1 ? "header values" : "headers";
  return path.map(String).join(".");
}

const show = (value: unknown) => (typeof value === "string" ? value || '""' : String(value));

/** "a", "a or b", "a, b or c". */
const orList = (items: readonly string[]) =>
  items.length > 1 ? `${items.slice(0, -1).join(", ")} or ${items.at(-1)}` : (items[0] ?? "");

const TYPES: Record<string, string> = {
  array: "an array",
  bigint: "an integer",
  boolean: "a boolean",
  date: "a date",
  int: "an integer",
  nan: "NaN",
  never: "absent",
  null: "null",
  number: "a number",
  object: "an object",
  record: "an object",
  string: "a string",
  tuple: "an array",
  undefined: "absent",
};

const FORMATS: Record<string, string> = {
  base64: "base64",
  base64url: "base64url",
  date: "an ISO 8601 date (YYYY-MM-DD)",
  datetime: "an ISO 8601 date-time such as 2026-01-31T12:00:00Z",
  duration: "an ISO 8601 duration",
  email: "an email address",
  ipv4: "an IPv4 address",
  ipv6: "an IPv6 address",
  jwt: "a JWT",
  time: "an ISO 8601 time (HH:MM[:SS])",
  ulid: "a ULID",
  url: "a URL",
  uuid: "a UUID",
};

const UNITS: Record<string, [string, string]> = {
  string: ["character", "characters"],
  array: ["item", "items"],
  set: ["item", "items"],
  map: ["entry", "entries"],
  file: ["byte", "bytes"],
};

/** What a value must be, for the issues a union's branches or a key schema raise ("a string"). */
function noun(issue: Issue): string | undefined {
  if (issue.path.length > 0) return undefined;
  if (issue.code === "invalid_type") return TYPES[issue.expected] ?? issue.expected;
  if (issue.code === "invalid_value" && issue.values.length <= MAX_LISTED)
    return orList(issue.values.map(show));
  if (issue.code === "invalid_format") return FORMATS[issue.format];
  return undefined;
}

type SizeIssue =
  | Omit<core.$ZodIssueTooBig, "path" | "message">
  | Omit<core.$ZodIssueTooSmall, "path" | "message">;

function sizeRule(issue: SizeIssue): string {
  const small = issue.code === "too_small";
  const bound = small ? issue.minimum : issue.maximum;
  const units = UNITS[issue.origin];
  if (units) {
    if (small && Number(bound) === 1 && !issue.exact) return "must not be empty";
    const amount = `${bound} ${Number(bound) === 1 ? units[0] : units[1]}`;
    const how = issue.exact ? "exactly" : small ? "at least" : "at most";
    return issue.origin === "string" ? `must be ${how} ${amount} long` : `must have ${how} ${amount}`;
  }
  const value = issue.origin === "date" ? new Date(Number(bound)).toISOString() : String(bound);
  if (issue.exact) return `must be ${value}`;
  if (issue.inclusive === false) return `must be ${small ? "greater" : "less"} than ${value}`;
  return `must be at ${small ? "least" : "most"} ${value}`;
}

/** `unknown field acess_scope; did you mean access_scope?` — no suggestion inside write-only objects. */
export function unknownField(key: string, known: readonly string[] | undefined): string {
  const suggestion = known && closestMatch(key, known);
  return suggestion ? `unknown field ${key}; did you mean ${suggestion}?` : `unknown field ${key}`;
}

/** The known keys recorded for an `unrecognized_keys` issue (see {@link validationMessage}). */
export const knownKeysOf = (issue: core.$ZodIssueUnrecognizedKeys) => knownKeysByIssue.get(issue.keys);

/** The rule a predicate states, without the field's name: "is required", "must be a boolean". */
function rule(iss: RawIssue): string | undefined {
  switch (iss.code) {
    case "invalid_type":
      if (iss.input === undefined || iss.expected === "nonoptional") return "is required";
      return `must be ${TYPES[iss.expected] ?? iss.expected}`;
    case "invalid_value": {
      const listed = iss.values.length <= MAX_LISTED ? orList(iss.values.map(show)) : undefined;
      if (iss.input === undefined) return listed ? `is required (${listed})` : "is required";
      if (listed) return `must be ${listed}`;
      const guess =
        typeof iss.input === "string" && !isWriteOnly(iss.path ?? [])
          ? closestMatch(
              iss.input,
              iss.values.filter((value) => typeof value === "string"),
            )
          : undefined;
      const text = `must be one of the ${iss.values.length} values the API reference lists`;
      return guess ? `${text}; did you mean ${guess}?` : text;
    }
    case "invalid_union": {
      if (iss.inclusive === false) return "matches more than one of the allowed forms";
      if (iss.discriminator && iss.options) {
        const input = iss.input as Record<string, unknown> | undefined;
        const absent = typeof input !== "object" || input === null || input[iss.discriminator] === undefined;
        const options = orList(iss.options.map(show));
        return absent ? `is required (${options})` : `must be ${options}`;
      }
      if (iss.input === undefined) return "is required";
      const nouns = iss.errors.map((issues) =>
        issues.length === 1 && issues[0] ? noun(issues[0]) : undefined,
      );
      if (nouns.length > 0 && nouns.every((n) => n !== undefined))
        return `must be ${orList([...new Set(nouns)])}`;
      return "does not match any of the allowed forms";
    }
    case "too_big":
    case "too_small":
      return sizeRule(iss);
    case "invalid_format": {
      if (iss.format === "starts_with") return `must start with ${String(iss.prefix)}`;
      if (iss.format === "ends_with") return `must end with ${String(iss.suffix)}`;
      if (iss.format === "includes") return `must include ${String(iss.includes)}`;
      if (iss.format === "regex" && iss.pattern) return `must match ${iss.pattern}`;
      return `must be ${FORMATS[iss.format] ?? `a valid ${iss.format}`}`;
    }
    case "not_multiple_of":
      return `must be a multiple of ${iss.divisor}`;
    case "invalid_element":
      return `has an invalid ${iss.origin} element`;
    case "custom":
      return "is not valid";
    default:
      return undefined;
  }
}

/**
 * zod's error map for every schema without a message of its own (set once, in validation.ts): messages
 * a person understands, that start with the field's path ("name is required", "access_scope must be
 * personal or organizational"). They quote nothing the caller sent, except an unknown key outside
 * write-only objects; there, only the object is named.
 */
export function validationMessage(iss: RawIssue): string | undefined {
  const path = iss.path ?? [];
  if (iss.code === "unrecognized_keys") {
    const shape = (iss.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
    if (shape) knownKeysByIssue.set(iss.keys, Object.keys(shape));
    if (isWriteOnly(path)) return `unknown field in ${String(path[0])}`;
    const known = shape ? Object.keys(shape) : undefined;
    if (iss.keys.length === 1) return unknownField(iss.keys[0] ?? "", known);
    const each = iss.keys.map((key) => {
      const suggestion = known && closestMatch(key, known);
      return suggestion ? `${key} (did you mean ${suggestion}?)` : key;
    });
    return `unknown fields ${each.join(", ")}`;
  }
  if (iss.code === "invalid_key") {
    if (path[0] === "headers") return HEADER_NAME_RULE;
    if (isWriteOnly(path)) return `invalid key in ${String(path[0])}`;
    // The key is the last path segment; the record is what the message names.
    const owner = label(iss.origin === "record" ? path.slice(0, -1) : path) ?? "the body";
    const inner = iss.issues[0]?.message ?? "";
    return /^[a-z]/.test(inner) ? `${owner} keys ${inner}` : `${owner} has an invalid key: ${inner}`;
  }
  const text = rule(iss);
  if (text === undefined) return undefined;
  const field = label(path);
  if (field) return `${field} ${text}`;
  return iss.code === "invalid_type" ? `the body ${text}` : text;
}
