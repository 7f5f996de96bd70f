import { newId } from "@connvault/core";
import type { MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import type { HttpEnv, PageServices } from "../env.ts";

/** Request id (API Gateway's own on Lambda), services and the logger for every request. */
export const requestContext = (services: PageServices): MiddlewareHandler<HttpEnv<PageServices>>[] => [
  requestId({
    generator: (c) =>
      (c.env as { event?: { requestContext?: { requestId?: string } } } | undefined)?.event?.requestContext
        ?.requestId ?? newId("req"),
  }),
  async (c, next) => {
    c.set("services", services);
    c.set("logger", services.logger);
    await next();
  },
];

/** One log line per request: what was asked and answered, never bodies or headers. */
export const accessLog: MiddlewareHandler<HttpEnv<PageServices>> = async (c, next) => {
  const started = performance.now();
  await next();
  const principal = c.get("principal");
  c.get("logger").info("request", {
    request_id: c.get("requestId"),
    method: c.req.method,
    path: c.req.path,
    status: c.res.status,
    duration_ms: Math.round(performance.now() - started),
    ...(principal?.kind === "key" ? { organization_id: principal.organization_id } : {}),
  });
};
