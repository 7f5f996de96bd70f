import type { MiddlewareHandler } from "hono";
import { PatternRouter } from "hono/router/pattern-router";
import type { RouterRoute } from "hono/types";
import type { AppEnv } from "./env.ts";
import { MethodNotAllowedError, RouteNotFoundError } from "./http-errors.ts";

/**
 * The methods a path answers, from the app's own routes (middleware excluded). A GET route also answers
 * HEAD, as Hono serves it.
 */
function allowedMethods(routes: readonly RouterRoute[]): (path: string) => string[] {
  const router = new PatternRouter<true>();
  const methods = new Set<string>();
  for (const route of routes) {
    if (route.method === "ALL") continue;
    router.add(route.method, route.path, true);
    methods.add(route.method);
  }
  return (path) => {
    const allowed = [...methods].filter((method) => router.match(method, path)[0].length > 0);
    if (allowed.includes("GET")) allowed.push("HEAD");
    return allowed.sort();
  };
}

/**
 * 404 for a path no route has, 405 with `Allow` for a method the path lacks, before any body is read.
 * `routes` is read at the first request, when every route is registered.
 */
export function knownRoutesOnly(routes: () => readonly RouterRoute[]): MiddlewareHandler<AppEnv> {
  let allowed: ((path: string) => string[]) | undefined;
  return async (c, next) => {
    allowed ??= allowedMethods(routes());
    const methods = allowed(c.req.path);
    if (methods.includes(c.req.method)) return next();
    if (methods.length === 0) throw RouteNotFoundError.of(c.req);
    throw new MethodNotAllowedError(c.req, methods);
  };
}
