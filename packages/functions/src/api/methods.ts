import type { MiddlewareHandler } from "hono";
import { RegExpRouter } from "hono/router/reg-exp-router";
import type { RouterRoute } from "hono/types";
import type { AppEnv } from "./env.ts";
import { MethodNotAllowedError, RouteNotFoundError } from "./http-errors.ts";

/**
 * The app's own routes (middleware excluded) as one compiled router: whether a method and path have a
 * route (HEAD is served by GET routes, as Hono does), and which methods a path answers.
 */
function routeTable(routes: readonly RouterRoute[]) {
  const router = new RegExpRouter<true>();
  const methods = new Set<string>();
  for (const route of routes) {
    if (route.method === "ALL") continue;
    router.add(route.method, route.path, true);
    methods.add(route.method);
  }
  const has = (method: string, path: string) =>
    router.match(method === "HEAD" ? "GET" : method, path)[0].length > 0;
  return {
    has,
    allowed: (path: string) => {
      const allowed = [...methods].filter((method) => has(method, path));
      if (allowed.includes("GET")) allowed.push("HEAD");
      return allowed.sort();
    },
  };
}

/**
 * 404 for a path no route has, 405 with `Allow` for a method the path lacks, before any body is read.
 * `routes` is read at the first request, when every route is registered. A routed request costs one
 * match of the compiled router.
 */
export function knownRoutesOnly(routes: () => readonly RouterRoute[]): MiddlewareHandler<AppEnv> {
  let table: ReturnType<typeof routeTable> | undefined;
  return async (c, next) => {
    table ??= routeTable(routes());
    if (table.has(c.req.method, c.req.path)) return next();
    const methods = table.allowed(c.req.path);
    if (methods.length === 0) throw RouteNotFoundError.of(c.req);
    throw new MethodNotAllowedError(c.req, methods);
  };
}
