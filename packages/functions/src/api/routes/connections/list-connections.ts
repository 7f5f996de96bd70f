import { ListConnectionsQuery } from "@connvault/core";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { pageUrls } from "../../links.ts";
import { errorResponses } from "../../problems.ts";
import { stripeConnection } from "./examples.ts";
import { ConnectionList, toConnectionDto } from "./schema.ts";

const route = createRoute({
  method: "get",
  operationId: "listConnections",
  path: "/v1/connections",
  tags: ["Connections"],
  summary: "List connections",
  description: `Newest first. The caller sees the organization's organizational connections and their own personal
ones. \`next_cursor\` is opaque and signed: pass it back with the same filters; a forged cursor, or one
issued for other filters or another organization, answers 400. A page costs the same whatever the caller cannot
see (two Queries at most). With \`connector_id\`, \`owner\`, \`status\`, \`environment\` or \`external_xref\`, a page
evaluates at most 100 connections per key range and may be short, or even empty, with a \`next_cursor\`:
continue until \`next_cursor\` is null.`,
  request: { query: ListConnectionsQuery },
  responses: {
    200: {
      description: "A page of connections",
      content: {
        "application/json": {
          schema: ConnectionList,
          example: { data: [stripeConnection], next_cursor: null },
        },
      },
    },
    ...errorResponses("invalid_cursor", "forbidden", "validation_failed"),
  },
});

export const registerListConnections = (app: App) =>
  app.openapi(route, async (c) => {
    const page = await c.get("services").connections.list(c.get("principal"), c.req.valid("query"));
    const links = pageUrls(c);
    return c.json(
      { data: page.data.map((record) => toConnectionDto(record, links)), next_cursor: page.next_cursor },
      200,
    );
  });
