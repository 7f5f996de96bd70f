import { RotateCredentialsInput } from "@connvault/core";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { IfMatchHeaders, ifMatchTags } from "../../headers.ts";
import { BODY_ERRORS, errorResponses, SECRET_UPDATE_ERRORS } from "../../problems.ts";
import { rotatedStripeConnection, rotateStripeCredentials, stripeConnection } from "./examples.ts";
import { Connection, ConnectionParams, connectionView } from "./schema.ts";

/** If-Match, with the ETag of the connection the examples create (its first revision). */
const IfMatchFirstRevision = IfMatchHeaders.extend({
  "if-match": IfMatchHeaders.shape["if-match"].meta({ example: stripeConnection.etag }),
});

const route = createRoute({
  method: "put",
  operationId: "rotateCredentials",
  path: "/v1/connections/{id}/credentials",
  tags: ["Connections"],
  summary: "Rotate a connection's credentials",
  description: `Writes the credentials as a new version of the same secret: same connection id, same
\`auth_aws_arn\`, \`credentials.version\` + 1, and the previous version kept as \`AWSPREVIOUS\`. The body replaces
what is stored (connvault cannot read the old values back), so send \`security\` and every header. A connection
with an adopted secret answers 409: connvault never changes it.`,
  request: {
    params: ConnectionParams,
    headers: IfMatchFirstRevision,
    body: {
      required: true,
      content: { "application/json": { schema: RotateCredentialsInput, example: rotateStripeCredentials } },
    },
  },
  responses: {
    200: {
      description: "The connection after rotation",
      content: { "application/json": { schema: Connection, example: rotatedStripeConnection } },
    },
    ...errorResponses(...BODY_ERRORS, ...SECRET_UPDATE_ERRORS, "precondition_failed"),
  },
});

export const registerRotateCredentials = (app: App) =>
  app.openapi(route, async (c) => {
    const record = await c
      .get("services")
      .connections.rotateCredentials(
        c.get("principal"),
        c.req.valid("param").id,
        c.req.valid("json"),
        ifMatchTags(c.req.valid("header")["if-match"]),
      );
    return c.json(connectionView(c, record), 200);
  });
