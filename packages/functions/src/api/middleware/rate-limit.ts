import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.ts";
import { problem } from "../problems.ts";

/**
 * A token bucket per API key in this container: `rate` requests a second with bursts of `burst`.
 * Each warm Lambda container keeps its own buckets, so the limit a key sees across the fleet is a
 * multiple of this; API Gateway's stage and route throttling is the global bound.
 */
export function rateLimitPerKey(rate: number, burst: number): MiddlewareHandler<AppEnv> {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return async (c, next) => {
    const principal = c.get("principal");
    if (principal?.kind !== "key" || rate <= 0) return next();
    const now = performance.now();
    const bucket = buckets.get(principal.api_key_id) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    if (buckets.size > 10_000) buckets.clear();
    buckets.set(principal.api_key_id, bucket);
    if (bucket.tokens < 1) {
      const response = problem(c, "rate_limited", `This API key is limited to ${rate} requests per second`);
      response.headers.set("retry-after", String(Math.ceil((1 - bucket.tokens) / rate)));
      return response;
    }
    bucket.tokens -= 1;
    await next();
  };
}
