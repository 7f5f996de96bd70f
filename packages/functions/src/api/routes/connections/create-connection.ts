import { CreateConnectionInput } from "@connvault/core";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { IdempotencyHeaders, markReplay } from "../../headers.ts";
import { BODY_ERRORS, errorResponses } from "../../problems.ts";
import { ConnectorParams } from "../connectors/schema.ts";
import { createStripeConnection, pendingSlackConnection, stripeConnection } from "./examples.ts";
import { Connection, connectionView } from "./schema.ts";

const DESCRIPTION = `Binds the connector to credentials and settings. \`security\` and \`headers\` are write-only: they
are stored in AWS Secrets Manager and never returned. For an OAuth2 connector created without
\`security.oauth2Token\`, the connection is \`pending_authorization\` with \`oauth2_required: true\` and a
\`connector_page_url\`. A connection with no credentials creates no secret (\`auth_aws_arn\` is null).

With \`Idempotency-Key\`, the connection id and the secret's version are functions of the key: a retry or a
concurrent duplicate with the same body converges on one connection and one secret and answers the
same 201 with \`Idempotent-Replayed: true\`; the same key with another body answers 422 and leaves nothing
behind (a secret or an adoption claim that request made is removed again). The key stays bound to its
connection for as long as the connection exists.

\`auth_aws_arn\` adopts an existing secret instead of sending credentials. Only admins may adopt (members get
403): the secret's \`connvault:organization_id\` tag makes it the whole organization's, and whoever adopts it
decides which servers receive it, so a member could otherwise bind it to a personal connection pointing at a
server of their own. An adopted secret belongs to one connection: the ARN is resolved with DescribeSecret to
its full ARN (a partial ARN or a name gives the same one) and claimed for the new connection before the record
is written; a second adoption of the same secret, on this route or \`POST /unified/connection\`, answers 422
with \`errors[0].code\` \`secret_already_adopted\`. The claim is released when the connection is deleted, or when
the reconciler finds the secret gone or untagged and the connection stops pointing at it.`;

/** The catalog connector the examples connect: Stripe takes a bearer token. */
const Params = z.object({
  connector_id: ConnectorParams.shape.connector_id.meta({
    description: "The catalog connector to connect (`GET /v1/connectors` lists them)",
    example: "stripe",
  }),
});

const createConnectionRoute = (operationId: string, path: string, summary: string) =>
  createRoute({
    method: "post",
    operationId,
    path,
    tags: ["Connections"],
    summary,
    description: DESCRIPTION,
    request: {
      params: Params,
      headers: IdempotencyHeaders,
      body: {
        required: true,
        content: {
          "application/json": {
            schema: CreateConnectionInput,
            examples: {
              stripe: {
                summary: "Stripe for the whole organization, with its secret key",
                value: createStripeConnection,
              },
            },
          },
        },
      },
    },
    responses: {
      201: {
        description: "Created",
        content: {
          "application/json": {
            schema: Connection,
            examples: {
              stripe: {
                summary: "Organizational and active: its credentials are stored",
                value: stripeConnection,
              },
              slack_pending: {
                summary:
                  "An OAuth2 connector (Slack) created without security.oauth2Token: it waits for a browser",
                value: pendingSlackConnection,
              },
            },
          },
        },
      },
      ...errorResponses(
        ...BODY_ERRORS,
        "forbidden",
        "connector_not_found",
        "concurrent_update",
        "secret_exists",
        "idempotency_key_reused",
        "oauth2_client_not_configured",
      ),
    },
  });

const routes = [
  createConnectionRoute(
    "createConnection",
    "/v1/connectors/{connector_id}/connections",
    "Create a connection",
  ),
  createConnectionRoute(
    "connectConnector",
    "/v1/connectors/{connector_id}/connect",
    "Create a connection (alias of …/connections)",
  ),
];

export const registerCreateConnection = (app: App) => {
  for (const route of routes) {
    app.openapi(route, async (c) => {
      const { connector_id } = c.req.valid("param");
      const { result: record, replayed } = await c
        .get("services")
        .connections.create(
          c.get("principal"),
          connector_id,
          c.req.valid("json"),
          c.req.valid("header")["idempotency-key"],
        );
      markReplay(c, replayed);
      c.header("location", `/v1/connections/${record.id}`);
      return c.json(connectionView(c, record), 201);
    });
  }
};
