import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { errorResponses } from "../../problems.ts";
import { hubspotConnection } from "./examples.ts";
import { toUnifiedDto, UNIFIED_TAG, UnifiedConnection, UnifiedParams } from "./schema.ts";

const route = createRoute({
  method: "get",
  operationId: "getUnifiedConnection",
  path: "/unified/connection/{id}",
  tags: [UNIFIED_TAG],
  summary: "Retrieve a connection (unified.to)",
  request: { params: UnifiedParams },
  responses: {
    200: {
      description: "The connection",
      content: { "application/json": { schema: UnifiedConnection, example: hubspotConnection } },
    },
    ...errorResponses("forbidden", "connection_not_found"),
  },
});

export const registerGetUnifiedConnection = (app: App) =>
  app.openapi(route, async (c) =>
    c.json(
      toUnifiedDto(await c.get("services").unified.get(c.get("principal"), c.req.valid("param").id)),
      200,
    ),
  );
