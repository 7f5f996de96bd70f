import type { Context, MiddlewareHandler } from "hono";
import type { HttpEnv } from "../env.ts";
import { RateLimitedError } from "../http-errors.ts";

/**
 * Token buckets in this container: `rate` tokens a second, at most `burst` saved up. Each warm Lambda
 * container keeps its own, so the limit seen across the fleet is a multiple of this; API Gateway's stage
 * and route throttling is the global bound. At most 10,000 buckets: the oldest goes first.
 */
function tokenBuckets(rate: number, burst: number) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refill = (name: string) => {
    const now = performance.now();
    const bucket = buckets.get(name) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    buckets.delete(name);
    if (buckets.size >= 10_000) buckets.delete(buckets.keys().next().value ?? "");
    buckets.set(name, bucket);
    return bucket;
  };
  return {
    /** Seconds until a token is free, or 0 when one is. */
    wait: (name: string) => {
      const { tokens } = refill(name);
      return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / rate);
    },
    take: (name: string) => {
      refill(name).tokens -= 1;
    },
  };
}

/** `rate` requests a second per API key (the root key is one key too), bursts of `burst`. */
export function rateLimitPerKey(rate: number, burst: number): MiddlewareHandler<HttpEnv> {
  const buckets = tokenBuckets(rate, burst);
  return async (c, next) => {
    const principal = c.get("principal");
    if (!principal || rate <= 0) return next();
    const name = principal.kind === "root" ? "root" : principal.api_key_id;
    const seconds = buckets.wait(name);
    if (seconds > 0)
      throw new RateLimitedError(seconds, `This API key is limited to ${rate} requests per second`);
    buckets.take(name);
    await next();
  };
}

/**
 * `rate` proxied calls a second per connection (bursts of `burst`), the connection named by
 * `connectionOf(path)`; requests that name none pass.
 */
export function rateLimitPerConnection(
  rate: number,
  burst: number,
  connectionOf: (path: string) => string | undefined,
): MiddlewareHandler<HttpEnv> {
  const buckets = tokenBuckets(rate, burst);
  return async (c, next) => {
    const connection = connectionOf(c.req.path);
    const principal = c.get("principal");
    if (!connection || !principal || rate <= 0) return next();
    const name = `${principal.kind === "root" ? "root" : principal.organization_id}/${connection}`;
    const seconds = buckets.wait(name);
    if (seconds > 0)
      throw new RateLimitedError(seconds, `Calls through this connection are limited to ${rate} a second`);
    buckets.take(name);
    await next();
  };
}

/**
 * The address the request came from: API Gateway's sourceIp on Lambda, the socket's under npm start;
 * undefined where no adapter tells (an in-process `app.request`).
 */
const sourceAddress = (c: Context<HttpEnv>): string | undefined => {
  const env = c.env as
    | {
        requestContext?: { http?: { sourceIp?: string } };
        incoming?: { socket?: { remoteAddress?: string } };
      }
    | undefined;
  return env?.requestContext?.http?.sourceIp ?? env?.incoming?.socket?.remoteAddress;
};

/**
 * Failed authentications (401) per source address: `rate` a second, bursts of `burst`; past that the
 * address gets 429 before any key lookup, so guessing keys costs neither DynamoDB reads nor cache room.
 * Requests that authenticate spend nothing here.
 */
export function rateLimitFailedAuthentication(rate: number, burst: number): MiddlewareHandler<HttpEnv> {
  const buckets = tokenBuckets(rate, burst);
  return async (c, next) => {
    const address = sourceAddress(c);
    if (rate <= 0 || address === undefined) return next();
    const seconds = buckets.wait(address);
    if (seconds > 0)
      throw new RateLimitedError(seconds, "Too many requests with an unknown API key from this address");
    await next();
    if (c.res.status === 401) buckets.take(address);
  };
}
