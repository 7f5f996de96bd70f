import { DomainError, type ErrorCode, ThrottledError } from "@connvault/core";
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { HttpEnv } from "./env.ts";
import { HttpError, type HttpOnlyCode } from "./http-errors.ts";

/**
 * Domain codes the HTTP API never answers with: the OAuth2 pages' (`oauth_…`) and the resolver
 * Lambda's own. One that reached `handleError` would be answered 500.
 */
type NonHttpCode = `oauth_${string}` | `connect_page_${string}` | "secret_not_adoptable";

/** Every code the HTTP API answers with: the domain's (but {@link NonHttpCode}) and the HTTP layer's. */
export type HttpErrorCode = Exclude<ErrorCode, NonHttpCode> | HttpOnlyCode;

/** The one table from error codes to HTTP statuses; a missing or an unknown code does not compile. */
const STATUS_BY_CODE: Partial<Record<ErrorCode | HttpOnlyCode, ContentfulStatusCode>> = {
  malformed_json: 400,
  invalid_cursor: 400,
  unauthorized: 401,
  forbidden: 403,
  destination_not_allowed: 403,
  route_not_found: 404,
  api_key_not_found: 404,
  connector_not_found: 404,
  connection_not_found: 404,
  connect_session_not_found: 404,
  method_not_allowed: 405,
  concurrent_update: 409,
  connection_paused: 409,
  credentials_missing: 409,
  secret_missing: 409,
  secret_not_managed: 409,
  api_key_exists: 409,
  secret_exists: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  idempotency_key_reused: 422,
  oauth2_client_not_configured: 422,
  throttled: 429,
  rate_limited: 429,
  internal_error: 500,
  upstream_unreachable: 502,
  upstream_response_too_large: 502,
  dependency_unavailable: 503,
  upstream_timeout: 504,
} satisfies Record<HttpErrorCode, ContentfulStatusCode>;

/** What each code means to a caller, as the OpenAPI document lists it under the responses that answer it. */
const MEANING_BY_CODE = {
  malformed_json: "the body is not valid JSON",
  invalid_cursor: "the cursor is malformed, expired, or was issued for other filters or another organization",
  unauthorized: "the API key is missing, unknown or revoked",
  forbidden:
    "the calling key may not do this: a member on an admin operation or on another user's connection, or the root key outside the operations only it may call",
  destination_not_allowed: "the destination resolves to an address connvault may not call",
  route_not_found: "no route has this path",
  api_key_not_found: "no API key with this id in the organization",
  connector_not_found: "no connector with this id",
  connection_not_found: "no connection with this id that the calling key may see",
  connect_session_not_found: "no connect session with this id that the calling key may see",
  method_not_allowed: "the path does not answer this method (`Allow` lists those it does)",
  concurrent_update: "the resource kept changing while it was written; retry",
  connection_paused: "the connection is paused",
  credentials_missing: "the connection has no credentials to use",
  secret_missing:
    "the connection's secret no longer exists or is scheduled for deletion (it was changed outside connvault)",
  secret_not_managed: "the connection uses an adopted secret, which connvault never changes",
  api_key_exists: "the key issued under this Idempotency-Key has been revoked; send another Idempotency-Key",
  secret_exists: "a secret with other contents already exists under this connection's name",
  precondition_failed: "the connection no longer has the ETag sent in If-Match",
  payload_too_large: "the body is over 256 KiB, or the credentials over 64 KiB",
  unsupported_media_type: "the body is not `application/json`",
  validation_failed: "the request is invalid; `errors` lists each field and why",
  idempotency_key_reused: "this Idempotency-Key was already used with a different request",
  oauth2_client_not_configured:
    "the connector has no OAuth2 client configured, so no connection to it can be authorized",
  throttled: "AWS throttled connvault; retry after `Retry-After` seconds",
  rate_limited: "over the rate limit; retry after `Retry-After` seconds",
  internal_error: "an unexpected error; the answer never carries its internal message",
  upstream_unreachable: "the target system could not be reached",
  upstream_response_too_large: "the target system's answer is too large to relay",
  dependency_unavailable: "a dependency (DynamoDB, Secrets Manager) is unavailable; retry later",
  upstream_timeout: "the target system did not answer in time",
} satisfies Record<HttpErrorCode, string>;

const TITLES: Partial<Record<ContentfulStatusCode, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  412: "Precondition Failed",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export const ProblemDetails = z
  .object({
    type: z.string().meta({
      description: "A URI for the problem type: urn:connvault:problem:<code>",
      example: "urn:connvault:problem:validation_failed",
    }),
    title: z
      .string()
      .meta({ description: "The HTTP status's reason phrase", example: "Unprocessable Content" }),
    status: z.number().int().meta({ description: "The HTTP status code, as in the response", example: 422 }),
    detail: z.string().meta({
      description: "What went wrong, for people; never a credential value or an internal error message",
      example: "name is required",
    }),
    code: z.string().meta({ description: "Stable snake_case error code", example: "validation_failed" }),
    request_id: z.string().meta({
      description:
        "The request's id (API Gateway's on AWS, else req_ + ULID), as in logs; quote it in support requests",
      example: "req_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
    }),
    errors: z
      .array(
        z.object({
          path: z.string().meta({
            description:
              "Dotted path of the field in the request (e.g. general_params.0.name); empty for the whole body",
            example: "name",
          }),
          code: z.string().meta({
            description:
              "A machine-readable reason, e.g. too_small, invalid_type, unrecognized_keys or unknown_connector",
            example: "too_small",
          }),
          message: z.string().meta({ description: "What is wrong with the field, for people" }),
        }),
      )
      .optional()
      .meta({ description: "Per-field problems, with dotted paths into the request" }),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details" });

/** The HTTP status a problem code answers with; 500 for one the HTTP API never answers with. */
export const statusOf = (code: ErrorCode | HttpOnlyCode): ContentfulStatusCode => STATUS_BY_CODE[code] ?? 500;

/**
 * Builds an `application/problem+json` response. Only the validators' `defaultHook` and `handleError`
 * call it: everything else throws a {@link DomainError} or an {@link HttpError}.
 */
export function problem<E extends HttpEnv>(
  c: Context<E>,
  code: ErrorCode | HttpOnlyCode,
  detail: string,
  errors?: DomainError["details"],
  headers: Readonly<Record<string, string>> = {},
): Response {
  const status = statusOf(code);
  const body = {
    type: `urn:connvault:problem:${code}`,
    title: TITLES[status] ?? "Error",
    status,
    detail,
    code,
    request_id: c.get("requestId"),
    ...(errors?.length ? { errors } : {}),
  };
  return c.body(JSON.stringify(body), status, { ...headers, "content-type": "application/problem+json" });
}

/**
 * `onError`: domain and HTTP-layer errors map through the table (with `Retry-After` or `Allow` where
 * they carry one); anything unknown is logged and answered 500.
 */
export function handleError<E extends HttpEnv>(error: Error, c: Context<E>): Response {
  if (error instanceof DomainError) {
    const headers: Record<string, string> =
      error instanceof ThrottledError ? { "retry-after": String(error.retryAfterSeconds) } : {};
    return problem(c, error.code, error.message, error.details, headers);
  }
  if (error instanceof HttpError) return problem(c, error.code, error.message, [], error.headers);
  if (error instanceof HTTPException) {
    if (error.status === 400) return problem(c, "malformed_json", "The request body is not valid JSON");
    return problem(c, "internal_error", "The request could not be processed");
  }
  c.get("logger").error("unhandled error", { error, request_id: c.get("requestId") });
  return problem(c, "internal_error", "An unexpected error occurred");
}

/**
 * Codes every operation with a JSON request body can answer: the body is not JSON (400, 415), too large
 * (413) or invalid (422). Spread them into {@link errorResponses} for such a route.
 */
export const BODY_ERRORS = [
  "malformed_json",
  "payload_too_large",
  "unsupported_media_type",
  "validation_failed",
] as const satisfies readonly HttpErrorCode[];

/**
 * Codes of a route that writes a new version of an existing connection's secret (a rotation, or
 * unified.to's PATCH/PUT with `auth`): who may change it, whether it is there, and the secret's state.
 */
export const SECRET_UPDATE_ERRORS = [
  "forbidden",
  "connection_not_found",
  "concurrent_update",
  "secret_missing",
  "secret_not_managed",
  "secret_exists",
] as const satisfies readonly HttpErrorCode[];

/** Codes every authenticated route can answer: no valid key, a rate limit or AWS throttling, AWS down, a bug. */
const SHARED_ERRORS = [
  "unauthorized",
  "rate_limited",
  "throttled",
  "internal_error",
  "dependency_unavailable",
] as const satisfies readonly HttpErrorCode[];

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** What a problem with this code looks like, for the document's examples (a validation one names a field). */
const problemExample = (code: HttpErrorCode, status: ContentfulStatusCode) => ({
  type: `urn:connvault:problem:${code}`,
  title: TITLES[status] ?? "Error",
  status,
  code,
  request_id: "req_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
  ...(code === "validation_failed"
    ? {
        detail: "name must not be empty",
        errors: [{ path: "name", code: "too_small", message: "name must not be empty" }],
      }
    : { detail: `${capitalized(MEANING_BY_CODE[code])}.` }),
});

/**
 * OpenAPI response entries for the problems a route can answer: the given codes plus the ones every
 * authenticated route shares, grouped by status through {@link STATUS_BY_CODE}. Each response says
 * what its codes mean, constrains `code` to them (the shared Problem schema, with an `enum`), and has
 * one example per code.
 */
export function errorResponses(...codes: HttpErrorCode[]) {
  const byStatus = new Map<ContentfulStatusCode, HttpErrorCode[]>();
  for (const code of new Set([...codes, ...SHARED_ERRORS])) {
    const status = statusOf(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, listed]) => [
        status,
        {
          description: `${TITLES[status] ?? "Error"}\n\n${listed
            .map((code) => `- \`${code}\`: ${MEANING_BY_CODE[code]}`)
            .join("\n")}`,
          content: {
            "application/problem+json": {
              schema: z.intersection(
                ProblemDetails,
                z.object({ code: z.enum(listed as [HttpErrorCode, ...HttpErrorCode[]]) }),
              ),
              examples: Object.fromEntries(
                listed.map((code) => [
                  code,
                  { summary: capitalized(MEANING_BY_CODE[code]), value: problemExample(code, status) },
                ]),
              ),
            },
          },
        },
      ]),
  );
}
