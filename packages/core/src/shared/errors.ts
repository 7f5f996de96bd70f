/** The resources a {@link NotFoundError} names; each gives the code `<resource>_not_found`. */
export type NotFoundResource = "connection" | "api_key" | "connector" | "connect_session";

/**
 * Every `DomainError.code`: a stable snake_case string that callers (the HTTP API's problem+json, the
 * resolver's result, the provisioner's failure event, the OAuth2 pages) expose. Field-level codes in
 * `details` are not among them.
 */
export type ErrorCode =
  | "validation_failed"
  | "unauthorized"
  | "forbidden"
  | `${NotFoundResource}_not_found`
  | "concurrent_update"
  | "api_key_exists"
  | "idempotency_key_reused"
  | "payload_too_large"
  | "invalid_cursor"
  | "throttled"
  | "dependency_unavailable"
  | "precondition_failed"
  | "secret_not_adoptable"
  | "secret_missing"
  | "secret_not_managed"
  | "secret_exists"
  | "connection_paused"
  | "credentials_missing"
  | "oauth2_client_not_configured"
  | "oauth_link_expired"
  | "oauth_link_used"
  | "oauth_state_invalid"
  | "oauth_browser_mismatch"
  | "oauth_denied"
  | "oauth_connection_gone"
  | "oauth_not_configured"
  | "oauth_not_pending"
  | "oauth_provider_error"
  | "destination_not_allowed"
  | "upstream_unreachable"
  | "upstream_timeout"
  | "upstream_response_too_large"
  | "connect_page_invalid"
  | "connect_page_expired"
  | "connect_page_used"
  | "connect_page_revoked"
  | "connect_page_forbidden"
  | "connect_page_unknown_connector"
  | "connect_page_connection_gone"
  | "connect_page_not_configured";

/**
 * Base of every domain error. It carries a snake_case `code` that the API maps to an HTTP status in
 * one table; it never carries a credential value. `retryable` marks a transient failure (throttling,
 * an unavailable dependency, a lost race) that the same request may get past later.
 */
export class DomainError extends Error {
  readonly retryable: boolean = false;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { path: string; code: string; message: string }[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input is invalid; `details` says where (field-level codes such as `required`). */
export class ValidationError extends DomainError {
  constructor(message: string, details: DomainError["details"] = []) {
    super("validation_failed", message, details);
  }

  /** A single-field validation failure. */
  static at(path: string, code: string, message: string): ValidationError {
    return new ValidationError(message, [{ path, code, message }]);
  }
}

/**
 * A `__proto__` key anywhere in parsed JSON (JSON.parse keeps it as an own key, and zod records drop
 * it silently) as field errors. Walks iteratively, so no nesting depth overflows the stack.
 */
export function protoKeyErrors(input: unknown): DomainError["details"] {
  // Breadth first, each value with its key and its parent's index: the path is built only for a hit,
  // so a body nested thousands deep costs one pass.
  const seen: { value: unknown; key: string; parent: number }[] = [{ value: input, key: "", parent: -1 }];
  for (let at = 0; at < seen.length; at++) {
    const value = seen[at]?.value;
    if (typeof value !== "object" || value === null) continue;
    if (Object.hasOwn(value, "__proto__")) {
      const path = ["__proto__"];
      for (let node = seen[at]; node && node.parent >= 0; node = seen[node.parent]) path.unshift(node.key);
      return [{ path: path.join("."), code: "invalid_key", message: "__proto__ is not allowed as a key" }];
    }
    for (const [key, inner] of Object.entries(value)) seen.push({ value: inner, key, parent: at });
  }
  return [];
}

/** No such resource, or none the caller may see. */
export class NotFoundError extends DomainError {
  constructor(resource: NotFoundResource, id: string) {
    super(`${resource}_not_found`, `No ${resource.replaceAll("_", " ")} with id ${id}`);
  }
}

/** The caller is known but may not do this. */
export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super("forbidden", message);
  }
}

/** No valid API key. */
export class UnauthorizedError extends DomainError {
  constructor(message = "A valid API key is required") {
    super("unauthorized", message);
  }
}

/** A conflict with the current state; a lost race (`concurrent_update`) is worth a retry. */
export class ConflictError extends DomainError {
  override readonly retryable = this.code === "concurrent_update";

  constructor(code: "concurrent_update" | "api_key_exists", message: string) {
    super(code, message);
  }
}

/** A body or a credential payload over its size limit. */
export class PayloadTooLargeError extends DomainError {
  constructor(message: string) {
    super("payload_too_large", message);
  }
}

/** A pagination cursor that does not decode for this query. */
export class InvalidCursorError extends DomainError {
  constructor() {
    super("invalid_cursor", "The cursor is malformed, expired or was issued for another query");
  }
}

/** AWS answered with throttling: the caller should retry after a pause. */
export class ThrottledError extends DomainError {
  override readonly retryable = true;

  constructor(readonly retryAfterSeconds = 1) {
    super("throttled", "Too many requests to a dependency; retry later");
  }
}

/** AWS could not be reached or answered with a server error. */
export class DependencyUnavailableError extends DomainError {
  override readonly retryable = true;

  constructor(dependency: string) {
    super("dependency_unavailable", `${dependency} is unavailable; retry later`);
  }
}
