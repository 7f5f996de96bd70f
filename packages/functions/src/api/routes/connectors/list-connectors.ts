import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { errorResponses } from "../../problems.ts";
import { ConnectorList, toConnectorDto } from "./schema.ts";

const route = createRoute({
  method: "get",
  operationId: "listConnectors",
  path: "/v1/connectors",
  tags: ["Connectors"],
  summary: "List the connector catalog",
  description: "The whole catalog in one page, sorted by id.",
  responses: {
    200: {
      description: "The catalog",
      content: {
        "application/json": { schema: ConnectorList },
      },
    },
    ...errorResponses(),
  },
});

export const registerListConnectors = (app: App) =>
  app.openapi(route, async (c) =>
    c.json({ data: (await c.get("services").connectors.list()).map(toConnectorDto), next_cursor: null }, 200),
  );
