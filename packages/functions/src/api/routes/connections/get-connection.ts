import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { errorResponses } from "../../problems.ts";
import { stripeConnection } from "./examples.ts";
import { Connection, ConnectionParams, connectionView } from "./schema.ts";

const route = createRoute({
  method: "get",
  operationId: "getConnection",
  path: "/v1/connections/{id}",
  tags: ["Connections"],
  summary: "Read a connection",
  description: "Another organization's connection, or another user's personal one, answers 404.",
  request: { params: ConnectionParams },
  responses: {
    200: {
      description: "The connection",
      content: { "application/json": { schema: Connection, example: stripeConnection } },
    },
    ...errorResponses("forbidden", "connection_not_found"),
  },
});

export const registerGetConnection = (app: App) =>
  app.openapi(route, async (c) => {
    const record = await c.get("services").connections.get(c.get("principal"), c.req.valid("param").id);
    return c.json(connectionView(c, record), 200);
  });
