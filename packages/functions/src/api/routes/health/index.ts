import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { Health } from "./schema.ts";

const route = createRoute({
  method: "get",
  operationId: "getHealth",
  path: "/v1/health",
  tags: ["Health"],
  summary: "Liveness check",
  description: "Needs no API key.",
  security: [],
  responses: {
    200: {
      description: "The API is up",
      content: { "application/json": { schema: Health, example: { status: "ok" } } },
    },
  },
});

export const registerHealth = (app: App) => app.openapi(route, (c) => c.json({ status: "ok" as const }, 200));
