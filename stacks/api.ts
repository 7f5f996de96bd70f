import { writeOnlySecrets } from "./credentials";
import { connvaultFunction } from "./functions";
import { SECRET_WRITE_ROUTES, type SecretWriteRoute } from "./secret-writes";
import { tableAccess } from "./storage";

/**
 * Origins that may call the API from a browser (`CONNVAULT_CORS_ORIGINS` at deploy time, comma
 * separated). None by default: the API is called with API keys from servers, and the OAuth2 and connect
 * pages are same-origin navigations that need no CORS.
 */
const corsOrigins = (process.env.CONNVAULT_CORS_ORIGINS ?? "")
  .split(",")
  .map((origin) => origin.trim())
  .filter(Boolean);

/**
 * The stage names per-route throttles, and API Gateway refuses a stage whose settings name a route that
 * does not exist yet (SST creates the stage in the constructor: sst#4501). So the stage depends on those
 * routes: `route()` below settles this promise once the last of them is created, by whichever stack.
 */
let settleThrottledRoutes: (routes: $util.Input<$util.Resource>[]) => void = () => undefined;
const throttledRoutes = new Promise<$util.Input<$util.Resource>[]>((resolve) => {
  settleThrottledRoutes = resolve;
});
const createdThrottledRoutes = new Map<string, $util.Input<$util.Resource>>();

export const api = new sst.aws.ApiGatewayV2("HttpApi", {
  cors:
    corsOrigins.length === 0
      ? false
      : {
          allowOrigins: corsOrigins,
          allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
          allowHeaders: ["authorization", "content-type", "idempotency-key", "if-match", "x-api-key"],
          exposeHeaders: ["etag", "location", "idempotent-replayed", "retry-after", "x-request-id"],
          maxAge: "10 minutes",
        },
  transform: {
    stage: (args, opts) => {
      opts.dependsOn = throttledRoutes;
      args.defaultRouteSettings = { throttlingRateLimit: 500, throttlingBurstLimit: 1000 };
      args.routeSettings = Object.entries(SECRET_WRITE_ROUTES).map(([routeKey, rate]) => ({
        routeKey,
        throttlingRateLimit: rate,
        throttlingBurstLimit: rate,
      }));
    },
  },
});

/** Adds a route to the HTTP API; the stage waits for every throttled one. */
export function route(key: string, handler: $util.Input<string>): void {
  const created = api.route(key, handler).nodes.route;
  if (!(key in SECRET_WRITE_ROUTES)) return;
  createdThrottledRoutes.set(key, created);
  if (createdThrottledRoutes.size === Object.keys(SECRET_WRITE_ROUTES).length)
    settleThrottledRoutes([...createdThrottledRoutes.values()]);
}

export const apiFunction = new sst.aws.Function(
  "Api",
  connvaultFunction("api", {
    memory: "1024 MB",
    timeout: "29 seconds",
    permissions: [tableAccess, ...writeOnlySecrets],
    // The public URL comes from the deployment, so a forged Host header cannot change the links it makes.
    environment: { CONNVAULT_DOCS_SCRIPT: "scalar.js", CONNVAULT_PUBLIC_URL: api.url },
  }),
);

route("$default", apiFunction.arn);
// The oauth function serves /oauth2/* (stacks/oauth.ts) and the connect function /connect/*
// (stacks/connect.ts); every other throttled route is the api's.
for (const key of Object.keys(SECRET_WRITE_ROUTES) as SecretWriteRoute[])
  if (!key.startsWith("GET /oauth2/") && !key.startsWith("POST /connect/")) route(key, apiFunction.arn);
