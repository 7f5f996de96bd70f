import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { errorResponses } from "../../problems.ts";
import { UNIFIED_TAG, UnifiedParams } from "./schema.ts";

const route = createRoute({
  method: "delete",
  operationId: "removeUnifiedConnection",
  path: "/unified/connection/{id}",
  tags: [UNIFIED_TAG],
  summary: "Remove connection (unified.to)",
  description:
    "Answers 200 with an empty body, as unified.to does. The secret gets the 7-day recovery window.",
  request: { params: UnifiedParams },
  responses: {
    200: { description: "Removed" },
    ...errorResponses("forbidden", "connection_not_found", "concurrent_update"),
  },
});

export const registerDeleteUnifiedConnection = (app: App) =>
  app.openapi(route, async (c) => {
    await c.get("services").unified.delete(c.get("principal"), c.req.valid("param").id);
    return c.body(null, 200);
  });
