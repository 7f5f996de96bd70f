import { UpdateConnectionInput } from "@connvault/core";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { IfMatchHeaders, ifMatchTags } from "../../headers.ts";
import { errorResponses } from "../../problems.ts";
import { Connection, ConnectionParams, connectionView } from "./schema.ts";

const route = createRoute({
  method: "patch",
  operationId: "updateConnection",
  path: "/v1/connections/{id}",
  tags: ["Connections"],
  summary: "Update a connection",
  description: `Changes only the fields sent. With \`If-Match\` the update applies only if the connection still has
that ETag (412 otherwise); without it, concurrent updates are merged field by field. Members may update
only their own connections; admins also the organization's organizational ones.`,
  request: {
    params: ConnectionParams,
    headers: IfMatchHeaders,
    body: { required: true, content: { "application/json": { schema: UpdateConnectionInput } } },
  },
  responses: {
    200: { description: "The updated connection", content: { "application/json": { schema: Connection } } },
    ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 422, 429, 503),
  },
});

export const registerUpdateConnection = (app: App) =>
  app.openapi(route, async (c) => {
    const record = await c
      .get("services")
      .connections.update(
        c.get("principal"),
        c.req.valid("param").id,
        c.req.valid("json"),
        ifMatchTags(c.req.valid("header")["if-match"]),
      );
    return c.json(connectionView(c, record), 200);
  });
