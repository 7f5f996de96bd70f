import { PayloadTooLargeError, type ProxyCall } from "@connvault/core";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { HttpEnv } from "../api/env.ts";
import { MethodNotAllowedError, RouteNotFoundError } from "../api/http-errors.ts";
import { authenticate } from "../api/middleware/auth.ts";
import { accessLog, requestContext } from "../api/middleware/context.ts";
import { normalPathsOnly } from "../api/middleware/paths.ts";
import {
  rateLimitFailedAuthentication,
  rateLimitPerConnection,
  rateLimitPerKey,
} from "../api/middleware/rate-limit.ts";
import { handleError } from "../api/problems.ts";
import { MAX_PROXY_BODY_BYTES, type ProxyServices } from "../composition.ts";

type ProxyEnv = HttpEnv<ProxyServices>;

/**
 * Which routes relay, where in their path the connection id and the upstream path are, and how that
 * path is read: unified.to's SDK sends `{path}` as one parameter, its slashes encoded as `%2F`.
 */
const ROUTES: { pattern: RegExp; upstreamPath: (path: string) => string }[] = [
  { pattern: /^\/v1\/connections\/(?<id>[^/]+)\/proxy(?:\/(?<path>.*))?$/, upstreamPath: (path) => path },
  {
    pattern: /^\/passthrough\/(?<id>[^/]+)(?:\/(?<path>.*))?$/,
    upstreamPath: (path) => path.replace(/%2F/gi, "/"),
  },
];

const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/** Sent with every answer: whether it is the upstream's (`upstream`) or connvault's own (`error`). */
const ORIGIN_HEADER = "x-connvault-proxy";

/**
 * A relayed answer is the upstream's, but it is served from connvault's origin: nothing in it may run
 * there (a sandboxed, script-less policy) or be sniffed into another type.
 */
const RELAY_HEADERS: [string, string][] = [
  ["content-security-policy", "default-src 'none'; sandbox"],
  ["x-content-type-options", "nosniff"],
  [ORIGIN_HEADER, "upstream"],
];

/** What may be relayed: not TRACE (it would reflect the injected credential) nor CONNECT. */
const RELAYED_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

/** Statuses whose answers have no body (RFC 9110). */
const NO_BODY = new Set([204, 205, 304]);

async function relay(c: Context<ProxyEnv>, id: string, path: string): Promise<Response> {
  const url = new URL(c.req.url);
  const method = c.req.method;
  if (!RELAYED_METHODS.includes(method)) throw new MethodNotAllowedError(c.req, RELAYED_METHODS);
  const hasBody = method !== "GET" && method !== "HEAD";
  const call: ProxyCall = {
    method,
    path,
    query: url.search.slice(1),
    headers: [...c.req.raw.headers],
    body: hasBody ? new Uint8Array(await c.req.arrayBuffer()) : null,
  };
  const answer = await c.get("services").proxy.call(c.get("principal"), id, call);
  const headers = new Headers();
  for (const [name, value] of answer.headers) headers.append(name, value);
  for (const [name, value] of RELAY_HEADERS) headers.set(name, value);
  const body = method === "HEAD" || NO_BODY.has(answer.status) ? null : answer.body;
  return new Response(body, { status: answer.status, headers });
}

/**
 * The proxy function: `ANY /v1/connections/{id}/proxy/{path}` and unified.to's
 * `/passthrough/{connection_id}/{path}` call the connection's target system with its credentials,
 * which the caller never sees (API.md, "Proxy"). API keys authenticate as on the api; a connection is
 * limited to `proxyRateLimitPerSecond` calls a second per container.
 */
export function createProxyApp(services: ProxyServices): Hono<ProxyEnv> {
  const app = new Hono<ProxyEnv>();
  const { rateLimitPerSecond, proxyRateLimitPerSecond } = services.config;
  app.use(
    async (_c, next) => {
      try {
        await next();
      } finally {
        // Only what a call recorded: a request refused before the proxy (401, 405, 413) counts nothing.
        if (services.metrics.hasStoredMetrics()) services.metrics.publishStoredMetrics();
      }
    },
    ...requestContext(services),
    accessLog,
    normalPathsOnly,
    rateLimitFailedAuthentication(rateLimitPerSecond > 0 ? 10 : 0, 20),
    authenticate,
    rateLimitPerKey(rateLimitPerSecond, rateLimitPerSecond * 2),
    rateLimitPerConnection(proxyRateLimitPerSecond, proxyRateLimitPerSecond * 2, (path) =>
      ROUTES.map(({ pattern }) => pattern.exec(path)?.groups?.id).find(Boolean),
    ),
    bodyLimit({
      maxSize: MAX_PROXY_BODY_BYTES,
      onError: () => {
        throw new PayloadTooLargeError(
          `A proxied request body is at most ${MAX_PROXY_BODY_BYTES / 2 ** 20} MiB`,
        );
      },
    }),
  );
  app.all("*", (c) => {
    // The path as sent (percent-encoding kept), which is what goes upstream.
    const path = new URL(c.req.url).pathname;
    for (const { pattern, upstreamPath } of ROUTES) {
      const groups = pattern.exec(path)?.groups;
      if (!groups) continue;
      const upstream = upstreamPath(groups.path ?? "");
      // Never above the connection's base URL: the URL parser would resolve dot segments.
      if (upstream.split("/").some((segment) => DOT_SEGMENT.test(segment))) {
        throw new RouteNotFoundError("No route for a proxied path with dot segments");
      }
      return relay(c, groups.id ?? "", upstream);
    }
    throw RouteNotFoundError.of(c.req);
  });
  app.onError((error, c) => {
    const res = handleError(error, c);
    res.headers.set(ORIGIN_HEADER, "error");
    return res;
  });
  return app;
}
