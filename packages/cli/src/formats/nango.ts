import { contentIdempotencyKey } from "../idempotency.ts";
import { isObject, type Json } from "../records.ts";
import { CONNECTOR_ID, connectionsPath, type MapResult } from "./request.ts";

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
  const source = { provider_config_key: value.provider_config_key, connection_id: connectionId };
  const idempotencyKey = contentIdempotencyKey(keySecret, connectionsPath(connectorId), body, source);
  return { ok: true, request: { connectorId, body, idempotencyKey } };
}
