import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { errorResponses } from "../../problems.ts";
import { slackConnector } from "./examples.ts";
import { Connector, ConnectorParams, toConnectorDto } from "./schema.ts";

const route = createRoute({
  method: "get",
  operationId: "getConnector",
  path: "/v1/connectors/{connector_id}",
  tags: ["Connectors"],
  summary: "Read a connector",
  request: { params: ConnectorParams },
  responses: {
    200: {
      description: "The connector",
      content: { "application/json": { schema: Connector, example: slackConnector } },
    },
    ...errorResponses("connector_not_found"),
  },
});

export const registerGetConnector = (app: App) =>
  app.openapi(route, async (c) =>
    c.json(toConnectorDto(await c.get("services").connectors.get(c.req.valid("param").connector_id)), 200),
  );
