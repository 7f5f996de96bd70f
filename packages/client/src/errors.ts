import type { components } from "./generated/schema.ts";

/** An RFC 9457 problem as connvault answers one. */
export type Problem = components["schemas"]["Problem"];
/** One per-field problem, with a dotted path into the request. */
export type FieldError = NonNullable<Problem["errors"]>[number];

const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/**
 * A non-2xx answer of connvault, with the fields of its problem+json body. An answer that is not a
 * problem (a gateway's) gets `code` `http_<status>` and its status text as `title`.
 */
export class ConnvaultError extends Error {
  override readonly name = "ConnvaultError";
  readonly status: number;
  /** connvault's stable snake_case code, e.g. `validation_failed`, `connection_not_found`. */
  readonly code: string;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly requestId: string | undefined;
  readonly errors: readonly FieldError[];
  /** The answer's headers (`Retry-After`, `X-Request-Id`, …). */
  readonly headers: Headers;

  constructor(
    problem: Omit<Problem, "request_id"> & { request_id?: string | undefined },
    headers = new Headers(),
  ) {
    super(`${problem.status} ${problem.code}: ${problem.detail || problem.title}`);
    this.status = problem.status;
    this.code = problem.code;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.requestId = problem.request_id;
    this.errors = problem.errors ?? [];
    this.headers = headers;
  }

  /** Reads the answer's body (so the connection is released) into a ConnvaultError. */
  static async from(response: Response): Promise<ConnvaultError> {
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(await response.text());
      if (typeof parsed === "object" && parsed !== null) body = parsed as Record<string, unknown>;
    } catch {
      // Not JSON: a gateway's answer, described by its status alone.
    }
    const { status } = response;
    return new ConnvaultError(
      {
        status,
        code: text(body.code) ?? `http_${status}`,
        type: text(body.type) ?? "about:blank",
        title: text(body.title) ?? response.statusText,
        detail: text(body.detail) ?? "",
        request_id: text(body.request_id) ?? response.headers.get("x-request-id") ?? undefined,
        ...(Array.isArray(body.errors) ? { errors: body.errors as FieldError[] } : {}),
      },
      response.headers,
    );
  }
}
