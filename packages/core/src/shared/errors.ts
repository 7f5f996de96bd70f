/**
 * Base of every domain error. It carries a snake_case `code` that the API maps to an HTTP status in
 * one table; it never carries a credential value.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: { path: string; code: string; message: string }[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

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
  const pending: [unknown, string[]][] = [[input, []]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [value, path] = item;
    if (typeof value !== "object" || value === null) continue;
    if (Object.hasOwn(value, "__proto__")) {
      const message = "__proto__ is not allowed as a key";
      return [{ path: [...path, "__proto__"].join("."), code: "invalid_key", message }];
    }
    for (const [key, inner] of Object.entries(value)) pending.push([inner, [...path, key]]);
  }
  return [];
}

export class NotFoundError extends DomainError {
  constructor(resource: string, id: string) {
    super(`${resource}_not_found`, `No ${resource.replaceAll("_", " ")} with id ${id}`);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super("forbidden", message);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = "A valid API key is required") {
    super("unauthorized", message);
  }
}

export class ConflictError extends DomainError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

export class PayloadTooLargeError extends DomainError {
  constructor(message: string) {
    super("payload_too_large", message);
  }
}

export class InvalidCursorError extends DomainError {
  constructor() {
    super("invalid_cursor", "The cursor is malformed, expired or was issued for another query");
  }
}

/** AWS answered with throttling: the caller should retry after a pause. */
export class ThrottledError extends DomainError {
  constructor(readonly retryAfterSeconds = 1) {
    super("throttled", "Too many requests to a dependency; retry later");
  }
}

/** AWS could not be reached or answered with a server error. */
export class DependencyUnavailableError extends DomainError {
  constructor(dependency: string) {
    super("dependency_unavailable", `${dependency} is unavailable; retry later`);
  }
}
