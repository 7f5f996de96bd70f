import type { HonoRequest } from "hono";

/** Codes only the HTTP layer answers with; no domain error carries one. */
export type HttpOnlyCode =
  | "malformed_json"
  | "route_not_found"
  | "method_not_allowed"
  | "unsupported_media_type"
  | "rate_limited"
  | "internal_error";

/**
 * An error only the HTTP layer raises (routing, bodies, rate limits). Middleware throws it and
 * `handleError` renders it as problem+json, with `headers` added to the response.
 */
export class HttpError extends Error {
  constructor(
    readonly code: HttpOnlyCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 404: no route has this path. */
export class RouteNotFoundError extends HttpError {
  constructor(message: string) {
    super("route_not_found", message);
  }

  /** The 404 for a request whose path no route has. */
  static of(request: HonoRequest): RouteNotFoundError {
    return new RouteNotFoundError(`No route ${request.method} ${request.path}`);
  }
}

/** 405: the path exists, but not with this method; `Allow` lists the methods it answers. */
export class MethodNotAllowedError extends HttpError {
  constructor(request: HonoRequest, allowed: readonly string[]) {
    super("method_not_allowed", `${request.path} answers ${allowed.join(", ")}, not ${request.method}`, {
      allow: allowed.join(", "),
    });
  }
}

/** 415: a body that is not JSON. */
export class UnsupportedMediaTypeError extends HttpError {
  constructor() {
    super("unsupported_media_type", "Send the body as application/json");
  }
}

/** 429: over a rate limit; `Retry-After` says when a request may succeed. */
export class RateLimitedError extends HttpError {
  constructor(retryAfterSeconds: number, message: string) {
    super("rate_limited", message, { "retry-after": String(retryAfterSeconds) });
  }
}
