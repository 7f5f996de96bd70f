import type { MiddlewareHandler } from "hono";
import type { HttpEnv } from "../env.ts";

const PUBLIC_PATHS = new Set(["/v1", "/v1/health"]);

/**
 * `Authorization: Bearer <key>`, a bare `Authorization: <key>` (as unified.to's SDK sends it) or
 * `X-API-Key: <key>` → the caller's principal (401 otherwise).
 */
export const authenticate: MiddlewareHandler<HttpEnv> = async (c, next) => {
  if (PUBLIC_PATHS.has(c.req.path)) return next();
  const authorization = c.req.header("authorization")?.match(/^(?:Bearer\s+)?(cvk_\S+)\s*$/i)?.[1];
  const key = authorization ?? c.req.header("x-api-key")?.trim();
  c.set("principal", await c.get("services").apiKeys.authenticate(key));
  await next();
};
