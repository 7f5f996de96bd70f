import { ConnvaultError } from "./errors.ts";

export interface RetryOptions {
  /** Retries after the first attempt; 0 turns retrying off. Default 3. */
  maxRetries?: number;
  /** The statuses retried. Default 429 and 503. */
  statuses?: readonly number[];
  /** Backoff when the answer has no `Retry-After`: base × 2^retry, capped, with jitter. 250 ms, 20 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** The longest `Retry-After` waited; a longer one is cut to this. Default 60 s. */
  maxRetryAfterMs?: number;
  /** Called before each wait, e.g. to count retries. */
  onRetry?: (retry: RetryInfo) => void;
}

export interface RetryInfo {
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  /** The status retried, or "network" for a request that got no answer. */
  reason: number | "network";
}

/** Methods that may be sent twice; a POST may too when it carries an Idempotency-Key. */
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

/** `Retry-After` in milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  const text = value?.trim() ?? "";
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with "equal jitter": half the capped delay, plus a random part of the other half. */
const backoff = (retry: number, base: number, max: number) => {
  const capped = Math.min(max, base * 2 ** retry);
  return Math.round(capped / 2 + (Math.random() * capped) / 2);
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    signal.throwIfAborted();
    const timer = setTimeout(resolve, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", abort, { once: true });
  });

/**
 * A fetch that sends `request` until it is answered with something other than a retryable status,
 * and throws a {@link ConnvaultError} for any non-2xx answer except an upstream's answer through the
 * proxy (`X-Connvault-Proxy: upstream`), which is returned as it is and never retried. Only requests
 * that may be sent twice are retried; network errors are retried too, an abort by the caller is not.
 */
export function retrying(
  fetch: (request: Request) => Promise<Response>,
  options: RetryOptions = {},
): (request: Request) => Promise<Response> {
  const {
    maxRetries = 3,
    statuses = [429, 503],
    baseDelayMs = 250,
    maxDelayMs = 20_000,
    maxRetryAfterMs = 60_000,
    onRetry,
  } = options;
  return async (request) => {
    const safe = IDEMPOTENT_METHODS.has(request.method) || request.headers.has("idempotency-key");
    for (let retries = 0; ; retries++) {
      const last = !safe || retries >= maxRetries;
      let response: Response | undefined;
      try {
        // Every attempt but the last sends a copy, so the body can be sent again.
        response = await fetch(last ? request : request.clone());
      } catch (error) {
        if (last || request.signal.aborted) throw error;
      }
      // A browser's fetch hides a redirect it was told not to follow: an "opaqueredirect" (status 0).
      if (response?.ok || response?.type === "opaqueredirect") return response;
      if (response?.headers.get("x-connvault-proxy") === "upstream") return response;
      if (response && (last || !statuses.includes(response.status)))
        throw await ConnvaultError.from(response);
      const hinted = parseRetryAfter(response?.headers.get("retry-after") ?? null);
      const delayMs =
        hinted === undefined
          ? backoff(retries, baseDelayMs, maxDelayMs)
          : Math.min(maxRetryAfterMs, Math.round(hinted * (1 + Math.random() * 0.1)));
      await response?.body?.cancel();
      onRetry?.({ attempt: retries + 1, delayMs, reason: response?.status ?? "network" });
      await sleep(delayMs, request.signal);
    }
  };
}
