import { UpdateConnectionInput } from "@connvault/core";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { IfMatchHeaders, ifMatchTags } from "../../headers.ts";
import { BODY_ERRORS, errorResponses } from "../../problems.ts";
import { stripeConnection, updatedStripeConnection, updateStripeConnection } from "./examples.ts";
import { Connection, ConnectionParams, connectionView } from "./schema.ts";

/** If-Match, with the ETag of the connection the examples create (its first revision). */
const IfMatchFirstRevision = IfMatchHeaders.extend({
  "if-match": IfMatchHeaders.shape["if-match"].meta({ example: stripeConnection.etag }),
});

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
    headers: IfMatchFirstRevision,
    body: {
      required: true,
      content: { "application/json": { schema: UpdateConnectionInput, example: updateStripeConnection } },
    },
  },
  responses: {
    200: {
      description: "The updated connection",
      content: { "application/json": { schema: Connection, example: updatedStripeConnection } },
    },
    ...errorResponses(
      ...BODY_ERRORS,
      "forbidden",
      "connection_not_found",
      "concurrent_update",
      "precondition_failed",
    ),
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
