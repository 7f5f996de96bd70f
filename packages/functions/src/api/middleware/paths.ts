import type { MiddlewareHandler } from "hono";
import type { HttpEnv } from "../env.ts";
import { RouteNotFoundError } from "../http-errors.ts";

/** What the adapters leave of the request target before URL parsing removes dot segments. */
type RawEnv = { event?: { rawPath?: unknown }; incoming?: { url?: unknown } } | undefined;

const rawPath = (request: Request, env: RawEnv): string => {
  const target = env?.event?.rawPath ?? env?.incoming?.url;
  return typeof target === "string" ? (target.split(/[?#]/)[0] ?? "") : new URL(request.url).pathname;
};

const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/**
 * 404 for a path with `.` or `..` segments (also percent-encoded): the URL parser would resolve them
 * into another route, which API Gateway would have throttled under a different route key.
 */
export const normalPathsOnly: MiddlewareHandler<HttpEnv> = async (c, next) => {
  const path = rawPath(c.req.raw, c.env as RawEnv);
  if (path.split(/[/\\]/).some((segment) => DOT_SEGMENT.test(segment))) {
    throw new RouteNotFoundError("No route for a path with dot segments");
  }
  await next();
};
