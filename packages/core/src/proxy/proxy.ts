import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { z } from "zod";
import type { ConnectionRecord, CredentialPayload } from "../connections/connection.ts";
import type { ConnectorVersion } from "../connectors/connector.ts";
import { ListCredentialReadsQuery } from "../resolver/resolver.ts";
import type { OutboundRequest, OutboundResponse } from "./outbound.port.ts";
import { UpstreamEncodingError, UpstreamResponseTooLargeError } from "./proxy.errors.ts";

/** A call through a connection, as the caller sent it to `…/proxy/{path}`. */
export interface ProxyCall {
  method: string;
  /** What follows `/proxy/` in the request path, still percent-encoded; may be empty. */
  path: string;
  /** The query string as sent, without `?`. */
  query: string;
  headers: [string, string][];
  body: Uint8Array | null;
}

/** One proxied call, as audited: never a query value, a header or a body. */
export const ProxyCallRecord = z.object({
  id: z
    .string()
    .meta({ description: "The audit entry's id (pxy_ + ULID)", example: "pxy_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A" }),
  organization_id: z.string().meta({ description: "The organization of the connection" }),
  connection_id: z
    .string()
    .meta({ description: "The connection called through", example: "conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A" }),
  user_id: z
    .string()
    .meta({ description: "The user id of the API key that made the call", example: "user_42" }),
  method: z
    .string()
    .meta({ description: "The HTTP method sent upstream, as the caller sent it", example: "GET" }),
  host: z.string().meta({
    description: "The upstream host, with the port when it is not the scheme's default",
    example: "slack.com",
  }),
  path: z.string().meta({
    description: "The upstream path (the server's base path, then the caller's), without the query string",
    example: "/api/conversations.list",
  }),
  status: z.number().int().meta({
    description: "The upstream's status, or connvault's own (403, 413, 502, 504) when it answered",
    example: 200,
  }),
  duration_ms: z.number().int().meta({
    description: "Milliseconds from sending the request upstream to its answer (or failure)",
    example: 182,
  }),
  occurred_at: z.string().meta({
    description: "ISO-8601 date-time (UTC) when the call started",
    example: "2026-11-21T12:00:00.000Z",
  }),
});
export type ProxyCallRecord = z.infer<typeof ProxyCallRecord>;

/** A page of the proxy's audit trail: the same query as the credential reads'. */
export const ListProxyCallsQuery = ListCredentialReadsQuery;
export type ListProxyCallsQuery = z.output<typeof ListProxyCallsQuery>;

/** What replaces an injected credential value in the upstream's answer. */
export const REDACTED = "[REDACTED]";

const HOP_BY_HOP = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer"];
/**
 * Never forwarded from the caller: connvault's own key, cookies, the host, hop-by-hop fields, the
 * length (recomputed), connvault's and API Gateway's own fields, and the caller's encodings (the
 * upstream is asked for an uncompressed answer, so that redaction sees every byte).
 */
const NOT_FORWARDED = new Set([
  ...HOP_BY_HOP,
  "transfer-encoding",
  "upgrade",
  "authorization",
  "x-api-key",
  "cookie",
  "host",
  "content-length",
  "accept-encoding",
  "forwarded",
  "x-real-ip",
]);
const NOT_FORWARDED_PREFIXES = ["x-connvault-", "x-forwarded-", "x-amzn-", "x-amz-"];

const forwardable = (name: string) =>
  !NOT_FORWARDED.has(name) && !NOT_FORWARDED_PREFIXES.some((prefix) => name.startsWith(prefix));

/** Where an API key goes, from the connector's OpenAPI security scheme (`{type: apiKey, in, name}`). */
function apiKeyPlacement(scheme: Record<string, unknown> | null, headerName: string | undefined) {
  if (headerName) return { in: "header", name: headerName } as const;
  if (scheme?.type === "apiKey" && typeof scheme.name === "string" && scheme.name) {
    if (scheme.in === "query" || scheme.in === "cookie") return { in: scheme.in, name: scheme.name } as const;
    return { in: "header", name: scheme.name } as const;
  }
  return { in: "header", name: "X-API-Key" } as const;
}

/** The values a credential payload injects, each where it goes. */
interface Injection {
  headers: [string, string][];
  query: [string, string][];
  /** Every credential value sent, for redaction. */
  secrets: string[];
}

function injection(credentials: CredentialPayload, scheme: Record<string, unknown> | null): Injection {
  const injected: Injection = { headers: [], query: [], secrets: [] };
  for (const [name, value] of Object.entries(credentials.headers ?? {})) {
    injected.headers.push([name.toLowerCase(), value]);
    injected.secrets.push(value);
  }
  const apiKey = (value: string, headerName?: string) => {
    const placement = apiKeyPlacement(scheme, headerName);
    if (placement.in === "query") injected.query.push([placement.name, value]);
    else if (placement.in === "cookie") injected.headers.push(["cookie", `${placement.name}=${value}`]);
    else injected.headers.push([placement.name.toLowerCase(), value]);
    injected.secrets.push(value);
  };
  const bearer = (token: string) => {
    injected.headers.push(["authorization", `Bearer ${token}`]);
    injected.secrets.push(token);
  };
  const security = credentials.security;
  if (security?.authMethod === "apiKey") apiKey(security.apiKey, security.headerName);
  if (security?.authMethod === "bearer") bearer(security.token);
  if (security?.authMethod === "oauth2") bearer(security.oauth2Token.access_token);
  if (security?.authMethod === "basic") {
    const encoded = Buffer.from(`${security.username}:${security.password}`).toString("base64");
    injected.headers.push(["authorization", `Basic ${encoded}`]);
    injected.secrets.push(encoded, security.password);
  }
  // unified.to's `auth`: its access token as a bearer token, else its key where the scheme says.
  const auth = credentials.auth as Record<string, unknown> | undefined;
  if (!security && auth) {
    const token = auth.access_token ?? auth.token;
    const key = auth.key ?? auth.dev_api_key;
    if (typeof token === "string") bearer(token);
    else if (typeof key === "string") apiKey(key);
    for (const field of ["client_secret", "consumer_secret", "refresh_token", "pem", "key", "dev_api_key"]) {
      if (typeof auth[field] === "string") injected.secrets.push(auth[field] as string);
    }
  }
  return injected;
}

/** `{name}` (also percent-encoded) in the caller's path, filled with a general param's value. */
const fillPath = (path: string, name: string, value: string) =>
  path.replace(
    new RegExp(`\\{${escapeRegExp(name)}\\}|%7B${escapeRegExp(encodeURIComponent(name))}%7D`, "gi"),
    encodeURIComponent(value),
  );
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The upstream request for a call: the base URL (the connection's first target server, else its
 * connector version's first server) with the caller's path appended, the caller's method, query,
 * headers (those that may be forwarded) and body, and, overriding what the caller sent under the same
 * names, every general param by its `in`, the connection's write-only headers and the credential.
 * `secrets` lists every credential value sent, which the answer must not carry back.
 */
export function upstreamRequest(
  record: Pick<ConnectionRecord, "target_system_servers" | "general_params">,
  version: ConnectorVersion,
  credentials: CredentialPayload,
  call: ProxyCall,
): { request: OutboundRequest; secrets: string[] } {
  const base = record.target_system_servers?.[0]?.url ?? version.servers[0]?.url ?? "";
  let path = call.path;
  for (const param of record.general_params ?? []) {
    if (param.in === "path") path = fillPath(path, param.name, param.value);
  }
  const url = new URL(`${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`);
  url.search = call.query;
  const injected = injection(credentials, version.security_schema);
  const query = [
    ...(record.general_params ?? []).filter((p) => p.in === "query").map((p) => [p.name, p.value] as const),
    ...injected.query,
  ];
  for (const [name, value] of query) url.searchParams.set(name, value);

  const overrides: [string, string][] = [
    ...(record.general_params ?? [])
      .filter((p) => p.in === "header")
      .map((p) => [p.name.toLowerCase(), p.value] as [string, string]),
    ...injected.headers,
  ];
  const overridden = new Set(overrides.map(([name]) => name));
  const headers: [string, string][] = [
    ...call.headers
      .map(([name, value]) => [name.toLowerCase(), value] as [string, string])
      .filter(([name]) => forwardable(name) && !overridden.has(name)),
    ...overrides,
    ["accept-encoding", "identity"],
  ];
  return { request: { url, method: call.method, headers, body: call.body }, secrets: injected.secrets };
}

/**
 * Every form in which a credential value could come back: as sent, percent-encoded (an echoed URL)
 * and JSON-escaped (an echoed body). Longest first, so a value inside another is replaced whole.
 */
function secretForms(secrets: string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(new URLSearchParams({ v: secret }).toString().slice(2));
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

function redactBytes(body: Uint8Array, forms: string[]): Uint8Array {
  let buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  for (const form of forms) {
    const needle = Buffer.from(form);
    if (buffer.indexOf(needle) < 0) continue;
    const parts: Buffer[] = [];
    let from = 0;
    for (let at = buffer.indexOf(needle); at >= 0; at = buffer.indexOf(needle, from)) {
      parts.push(buffer.subarray(from, at), Buffer.from(REDACTED));
      from = at + needle.length;
    }
    parts.push(buffer.subarray(from));
    buffer = Buffer.concat(parts);
  }
  return buffer;
}

const DECODERS: Record<string, (body: Buffer, options: { maxOutputLength: number }) => Buffer> = {
  gzip: gunzipSync,
  "x-gzip": gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

/**
 * The body uncompressed, so redaction sees every byte: the upstream is asked for `identity`, but may
 * compress anyway. An encoding connvault cannot read is refused rather than relayed unredacted.
 */
function decoded(response: OutboundResponse, host: string, maxBytes: number): Uint8Array {
  const encoding = response.headers
    .find(([name]) => name === "content-encoding")?.[1]
    .trim()
    .toLowerCase();
  if (!encoding || encoding === "identity") return response.body;
  const decode = DECODERS[encoding];
  if (!decode) throw new UpstreamEncodingError(host, encoding);
  try {
    return decode(Buffer.from(response.body), { maxOutputLength: maxBytes });
  } catch {
    throw new UpstreamResponseTooLargeError(host, maxBytes);
  }
}

/**
 * The upstream's answer as relayed: uncompressed, without a length (the body changes), and with every
 * injected credential value replaced by {@link REDACTED} in its headers and body.
 */
export function redactAnswer(
  response: OutboundResponse,
  secrets: string[],
  { host, maxBytes }: { host: string; maxBytes: number },
): OutboundResponse {
  const forms = secretForms(secrets);
  const redact = (text: string) => forms.reduce((value, form) => value.replaceAll(form, REDACTED), text);
  return {
    status: response.status,
    headers: response.headers
      .filter(([name]) => name !== "content-encoding" && name !== "content-length")
      .map(([name, value]) => [name, redact(value)]),
    body: redactBytes(decoded(response, host, maxBytes), forms),
  };
}
