/**
 * One HTTP request to connvault, retried while retrying is safe and useful: on 429 and 503 (honouring
 * `Retry-After`), on 502/504 from a gateway, and on network errors and timeouts. Every POST carries an
 * Idempotency-Key, so a retry after a lost response replays instead of creating twice.
 */

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Backoff when the server gives no Retry-After: base × 2^attempt, capped, with jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** The longest Retry-After honoured; longer waits are cut to this. */
  maxRetryAfterMs?: number;
  /** Per attempt. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called before each retry (for progress and counting). */
  onRetry?: (retry: RetryInfo) => void;
}

export interface RetryInfo {
  attempt: number;
  delayMs: number;
  /** An HTTP status, or "network". */
  reason: number | "network";
}

export interface Problem {
  code: string;
  detail: string;
  errors?: { path: string; code: string; message: string }[];
}

export type HttpResult =
  | { kind: "response"; status: number; ok: boolean; replayed: boolean; body: unknown; problem?: Problem }
  | { kind: "network"; message: string };

export interface HttpRequest {
  method: "GET" | "POST";
  url: string;
  apiKey: string;
  body?: unknown;
  idempotencyKey?: string;
}

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** `Retry-After` in milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with "equal jitter": half the capped delay, plus a random part of the other half. */
export function backoffDelay(attempt: number, base: number, max: number, random: () => number): number {
  const capped = Math.min(max, base * 2 ** attempt);
  return Math.round(capped / 2 + (random() * capped) / 2);
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function asProblem(body: unknown, status: number): Problem {
  const value = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const errors = Array.isArray(value.errors)
    ? value.errors
        .filter((e): e is Record<string, unknown> => typeof e === "object" && e !== null)
        .map((e) => ({
          path: String(e.path ?? ""),
          code: String(e.code ?? ""),
          message: String(e.message ?? ""),
        }))
    : undefined;
  return {
    code: typeof value.code === "string" ? value.code : `http_${status}`,
    detail: typeof value.detail === "string" ? value.detail : "",
    ...(errors?.length ? { errors } : {}),
  };
}

/** A network error's code (ECONNREFUSED, UND_ERR_SOCKET…), never its message, which may quote a URL. */
function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
    return "request timed out";
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  return code ? `network error ${code}` : "network error";
}

/** One attempt. Reading the body is part of it: a connection cut mid-body is a network error. */
async function attempt(
  request: HttpRequest,
  timeoutMs: number,
): Promise<HttpResult & { retryAfter?: string }> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${request.apiKey}`,
    accept: "application/json, application/problem+json",
  };
  if (request.body !== undefined) headers["content-type"] = "application/json";
  if (request.idempotencyKey) headers["idempotency-key"] = request.idempotencyKey;
  try {
    const res = await fetch(request.url, {
      method: request.method,
      headers,
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    const retryAfter = res.headers.get("retry-after") ?? undefined;
    return {
      kind: "response",
      status: res.status,
      ok: res.ok,
      replayed: res.headers.get("idempotent-replayed") === "true",
      body,
      ...(res.ok ? {} : { problem: asProblem(body, res.status) }),
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    };
  } catch (error) {
    return { kind: "network", message: networkReason(error) };
  }
}

/** Sends a request, retrying as the policy allows; resolves with the last result and the retry count. */
export async function requestWithRetries(
  request: HttpRequest,
  policy: RetryPolicy,
): Promise<{ result: HttpResult; retries: number }> {
  const {
    maxRetries,
    baseDelayMs = 250,
    maxDelayMs = 20_000,
    maxRetryAfterMs = 300_000,
    timeoutMs = 60_000,
    sleep = sleepFor,
    random = Math.random,
  } = policy;
  for (let retries = 0; ; retries++) {
    const { retryAfter, ...result } = await attempt(request, timeoutMs);
    const retryable = result.kind === "network" || RETRYABLE_STATUSES.has(result.status);
    if (!retryable || retries >= maxRetries) return { result, retries };
    const hinted = result.kind === "response" ? parseRetryAfter(retryAfter) : undefined;
    const delayMs =
      hinted !== undefined
        ? Math.min(maxRetryAfterMs, hinted + Math.round(random() * hinted * 0.1))
        : backoffDelay(retries, baseDelayMs, maxDelayMs, random);
    policy.onRetry?.({
      attempt: retries + 1,
      delayMs,
      reason: result.kind === "network" ? "network" : result.status,
    });
    await sleep(delayMs);
  }
}
