import { createHmac } from "node:crypto";

/**
 * Input formats of `connvault import`: reading a file into records, detecting the format, and mapping
 * each record to one connvault request. Nothing here prints, and no error message built here contains a
 * value from a record: records carry credentials.
 */

export const FORMATS = ["connvault", "unified", "nango"] as const;
export type Format = (typeof FORMATS)[number];

type Json = Record<string, unknown>;

/** One record of the input file, parsed or not. `line` is 1-based: where the record starts. */
export interface SourceRecord {
  /** 0-based position among the file's records. */
  index: number;
  line: number;
  value?: unknown;
  /** Set when this record is not valid JSON (JSONL only: a broken JSON array fails as a whole). */
  invalid?: true;
}

/** One request to send for a record. */
export interface PlannedRequest {
  path: string;
  body: Json;
  idempotencyKey: string;
}

export type MapResult =
  | { ok: true; request: PlannedRequest }
  | { ok: false; code: "invalid_record" | "unmappable"; reason: string };

/** A file that cannot be read as records at all (not a record-level failure). */
export class InputError extends Error {
  override readonly name = "InputError";
}

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The 1-based line of a character offset. */
function lineAt(text: string, offset: number, from = { offset: 0, line: 1 }): number {
  let line = from.line;
  for (let i = from.offset; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Where each top-level element of a (valid) JSON array starts, as character offsets. */
function arrayElementOffsets(text: string): number[] {
  const offsets: number[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") continue;
    if (depth === 1 && expectElement && ch !== "]") {
      offsets.push(i);
      expectElement = false;
    }
    if (ch === '"') inString = true;
    else if (ch === "[" || ch === "{") {
      depth++;
      if (depth === 1) expectElement = true;
    } else if (ch === "]" || ch === "}") depth--;
    else if (ch === "," && depth === 1) expectElement = true;
  }
  return offsets;
}

/** A JSON parse error's position, without the text around it (which may be a credential). */
function parseErrorLine(text: string, error: unknown): string {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : "")?.[1];
  return position === undefined ? "" : ` (line ${lineAt(text, Number(position))})`;
}

/**
 * Reads a file's text as records: a JSON array (one record per element), a single JSON object, or
 * JSONL (one JSON object per line; blank lines are skipped).
 */
export function readRecords(input: string): SourceRecord[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const first = text.trimStart()[0];
  if (first === undefined) return [];
  if (first === "[") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new InputError(
        `the file starts with "[" but is not a valid JSON array${parseErrorLine(text, error)}`,
      );
    }
    const elements = parsed as unknown[];
    const offsets = arrayElementOffsets(text);
    let cursor = { offset: 0, line: 1 };
    return elements.map((value, index) => {
      const offset = offsets[index] ?? 0;
      cursor = { offset, line: lineAt(text, offset, cursor) };
      return { index, line: cursor.line, value };
    });
  }
  const lines = text.split("\n");
  const records: SourceRecord[] = [];
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "") continue;
    try {
      records.push({ index: records.length, line: i + 1, value: JSON.parse(line) });
    } catch {
      records.push({ index: records.length, line: i + 1, invalid: true });
    }
  }
  // One pretty-printed object is one record, not a broken JSONL file.
  if (first === "{" && records.length > 1 && records[0]?.invalid) {
    try {
      const whole: unknown = JSON.parse(text);
      if (isObject(whole)) return [{ index: 0, line: lineAt(text, text.indexOf("{")), value: whole }];
    } catch {
      // JSONL with a broken line: reported per record.
    }
  }
  return records;
}

/** The format of a record, from the fields only that format has. */
export function detectFormat(value: unknown): Format | undefined {
  if (!isObject(value)) return undefined;
  if ("connector_id" in value) return "connvault";
  if ("integration_type" in value) return "unified";
  if ("connection_id" in value && ("provider_config_key" in value || "provider" in value)) return "nango";
  return undefined;
}

/** Serialises with sorted keys, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
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

/** What connvault accepts as an Idempotency-Key: 1–255 printable ASCII characters. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;
const CONNECTOR_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const connectionsPath = (connectorId: string) =>
  `/v1/connectors/${encodeURIComponent(connectorId)}/connections`;

/** connvault JSONL: `{connector_id, idempotency_key?, ...the create body}`. */
export function mapConnvault(value: unknown, keySecret: string): MapResult {
  if (!isObject(value))
    return { ok: false, code: "invalid_record", reason: "a record must be a JSON object" };
  const { connector_id, idempotency_key, ...body } = value;
  if (typeof connector_id !== "string" || !CONNECTOR_ID.test(connector_id))
    return {
      ok: false,
      code: "invalid_record",
      reason: "connector_id is missing or not a connector id (1–64 of a-z, 0-9, _ and -)",
    };
  if (
    idempotency_key !== undefined &&
    (typeof idempotency_key !== "string" || !IDEMPOTENCY_KEY.test(idempotency_key))
  )
    return {
      ok: false,
      code: "invalid_record",
      reason: "idempotency_key must be 1–255 printable ASCII characters",
    };
  const path = connectionsPath(connector_id);
  return {
    ok: true,
    request: { path, body, idempotencyKey: idempotency_key ?? contentIdempotencyKey(keySecret, path, body) },
  };
}

/**
 * unified.to Connection fields that `POST /unified/connection` stores. Everything else in an export
 * is dropped: read-only fields (`id`, `created_at`, `updated_at`, `workspace_id`, `last_healthy_at`,
 * `last_unhealthy_at`, `last_unhealthy_code`), references to other vaults (`auth_azure_keyvault_id`,
 * `auth_gcp_secret_name`, `auth_hashi_vault_path`, `secretsmanager_id`, `secretsmanager_key`), and
 * fields connvault does not know. Mirrors `UnifiedConnectionInput` in packages/core.
 */
export const UNIFIED_WRITABLE_FIELDS = [
  "integration_type",
  "integration_name",
  "permissions",
  "categories",
  "external_xref",
  "environment",
  "is_paused",
  "auth",
  "auth_aws_arn",
] as const;

/** unified.to export: Connection objects → `POST /unified/connection`. */
export function mapUnified(value: unknown, keySecret: string): MapResult {
  if (!isObject(value))
    return { ok: false, code: "invalid_record", reason: "a record must be a JSON object" };
  if (typeof value.integration_type !== "string" || value.integration_type === "")
    return { ok: false, code: "invalid_record", reason: "integration_type is missing" };
  const body: Json = {};
  for (const field of UNIFIED_WRITABLE_FIELDS) if (value[field] !== undefined) body[field] = value[field];
  const path = "/unified/connection";
  const sourceId = typeof value.id === "string" ? value.id : undefined;
  return {
    ok: true,
    request: { path, body, idempotencyKey: contentIdempotencyKey(keySecret, path, body, sourceId) },
  };
}

/** Connector auth types, by connector id: Nango's API_KEY is a bearer token for some connectors. */
export type ConnectorAuthTypes = ReadonlyMap<string, string>;

const NANGO_TYPE = /^[A-Z0-9_]{1,32}$/;

/** Nango's `expires_at` (a serialised Date, or epoch seconds or milliseconds) as ISO-8601. */
function nangoExpiry(value: unknown): string | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" && Number.isFinite(value) && value > 0)
    return new Date(value < 1e11 ? value * 1000 : value).toISOString();
  if (typeof value === "string") {
    const time = Date.parse(value);
    return Number.isNaN(time) ? null : new Date(time).toISOString();
  }
  return null;
}

const nonEmpty = (value: unknown): value is string => typeof value === "string" && value !== "";

function nangoSecurity(
  credentials: unknown,
  authType: string | undefined,
): { ok: true; security?: Json } | { ok: false; reason: string } {
  if (credentials === undefined || credentials === null) return { ok: true };
  if (!isObject(credentials)) return { ok: false, reason: "credentials must be an object" };
  const type = credentials.type;
  if (type === undefined && Object.keys(credentials).length === 0) return { ok: true };
  if (type === "NONE") return { ok: true };
  if (type === "OAUTH2") {
    if (!nonEmpty(credentials.access_token))
      return { ok: false, reason: "OAUTH2 credentials without access_token" };
    const raw = isObject(credentials.raw) ? credentials.raw : {};
    const expiresAt = nangoExpiry(credentials.expires_at);
    if (expiresAt === null) return { ok: false, reason: "OAUTH2 credentials with an unreadable expires_at" };
    const scope = Array.isArray(raw.scope)
      ? raw.scope.filter((s) => typeof s === "string").join(" ")
      : raw.scope;
    const token: Json = { access_token: credentials.access_token };
    if (nonEmpty(credentials.refresh_token)) token.refresh_token = credentials.refresh_token;
    if (expiresAt !== undefined) token.expires_at = expiresAt;
    if (nonEmpty(raw.token_type)) token.token_type = raw.token_type;
    if (nonEmpty(scope)) token.scope = scope;
    return { ok: true, security: { authMethod: "oauth2", oauth2Token: token } };
  }
  if (type === "API_KEY") {
    if (!nonEmpty(credentials.apiKey)) return { ok: false, reason: "API_KEY credentials without apiKey" };
    // Nango files Stripe, OpenAI, Notion… keys under API_KEY; connvault's connectors for them take a bearer token.
    return authType === "bearer"
      ? { ok: true, security: { authMethod: "bearer", token: credentials.apiKey } }
      : { ok: true, security: { authMethod: "apiKey", apiKey: credentials.apiKey } };
  }
  if (type === "BASIC") {
    if (!nonEmpty(credentials.username)) return { ok: false, reason: "BASIC credentials without username" };
    if (typeof credentials.password !== "string")
      return { ok: false, reason: "BASIC credentials without password" };
    return {
      ok: true,
      security: { authMethod: "basic", username: credentials.username, password: credentials.password },
    };
  }
  const shown = typeof type === "string" && NANGO_TYPE.test(type) ? type : "(unknown)";
  return {
    ok: false,
    reason: `Nango credentials of type ${shown} cannot be mapped (supported: OAUTH2, API_KEY, BASIC, none)`,
  };
}

/**
 * Nango export: connection objects → `POST /v1/connectors/{provider}/connections` (the connector is
 * `provider`, else `provider_config_key`), with `name` and `external_xref` = `connection_id` and the
 * string values of `metadata`.
 */
export function mapNango(
  value: unknown,
  keySecret: string,
  authTypes: ConnectorAuthTypes = new Map(),
): MapResult {
  if (!isObject(value))
    return { ok: false, code: "invalid_record", reason: "a record must be a JSON object" };
  const connectionId = value.connection_id;
  if (!nonEmpty(connectionId)) return { ok: false, code: "unmappable", reason: "connection_id is missing" };
  const connectorId = nonEmpty(value.provider) ? value.provider : value.provider_config_key;
  if (!nonEmpty(connectorId))
    return { ok: false, code: "unmappable", reason: "provider and provider_config_key are missing" };
  if (!CONNECTOR_ID.test(connectorId))
    return {
      ok: false,
      code: "unmappable",
      reason: "provider is not a connvault connector id (1–64 of a-z, 0-9, _ and -)",
    };
  const security = nangoSecurity(value.credentials, authTypes.get(connectorId));
  if (!security.ok) return { ok: false, code: "unmappable", reason: security.reason };
  const body: Json = { name: connectionId, external_xref: connectionId };
  if (security.security) body.security = security.security;
  if (isObject(value.metadata)) {
    const metadata = Object.fromEntries(
      Object.entries(value.metadata).filter(
        (entry): entry is [string, string] => typeof entry[1] === "string",
      ),
    );
    if (Object.keys(metadata).length > 0) body.metadata = metadata;
  }
  const path = connectionsPath(connectorId);
  const source = { provider_config_key: value.provider_config_key, connection_id: connectionId };
  return {
    ok: true,
    request: { path, body, idempotencyKey: contentIdempotencyKey(keySecret, path, body, source) },
  };
}

/** Maps one record; `keySecret` (the importer's API key) keys the Idempotency-Keys the CLI makes. */
export function mapRecord(
  format: Format,
  value: unknown,
  keySecret: string,
  authTypes?: ConnectorAuthTypes,
): MapResult {
  switch (format) {
    case "connvault":
      return mapConnvault(value, keySecret);
    case "unified":
      return mapUnified(value, keySecret);
    case "nango":
      return mapNango(value, keySecret, authTypes);
  }
}

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
