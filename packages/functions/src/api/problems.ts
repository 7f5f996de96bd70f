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
type HttpErrorCode = Exclude<ErrorCode, NonHttpCode> | HttpOnlyCode;

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
  throttled: 429,
  rate_limited: 429,
  internal_error: 500,
  upstream_unreachable: 502,
  upstream_response_too_large: 502,
  dependency_unavailable: 503,
  upstream_timeout: 504,
} satisfies Record<HttpErrorCode, ContentfulStatusCode>;

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
    type: z.string().meta({ example: "urn:connvault:problem:validation_failed" }),
    title: z.string().meta({ example: "Unprocessable Content" }),
    status: z.number().int().meta({ example: 422 }),
    detail: z.string(),
    code: z.string().meta({ description: "Stable snake_case error code", example: "validation_failed" }),
    request_id: z.string(),
    errors: z
      .array(z.object({ path: z.string(), code: z.string(), message: z.string() }))
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

const problemContent = { "application/problem+json": { schema: ProblemDetails } };

/** OpenAPI response entries for the shared errors a route can answer. */
export const errorResponses = (
  ...statuses: (400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 422 | 429 | 503)[]
) =>
  Object.fromEntries(
    [...statuses, 500].map((status) => [
      status,
      { description: TITLES[status as ContentfulStatusCode] ?? "Error", content: problemContent },
    ]),
  );
