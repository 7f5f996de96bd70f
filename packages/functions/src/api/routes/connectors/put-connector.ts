import { connectorId, PutConnectorInput } from "@connvault/core";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { BODY_ERRORS, errorResponses } from "../../problems.ts";
import { configuredSlackConnector, registerSlackClient } from "./examples.ts";
import { Connector, toConnectorDto } from "./schema.ts";

const route = createRoute({
  method: "put",
  operationId: "putConnector",
  path: "/v1/connectors/{connector_id}",
  tags: ["Connectors"],
  summary: "Add or replace a connector (root key only)",
  description: `The connector's id comes from the path; \`latest_version\` defaults to the last of \`versions\`. For OAuth2,
\`oauth2.client_secret\` is write-only: it is stored in Secrets Manager under \`<prefix>/connectors/\` and never
returned (\`oauth2.client_secret_configured\` tells whether one is stored); omit it to keep the stored one.
URLs must be https, or http on a loopback address. The id is 1–64 lowercase letters, digits, \`_\` or \`-\`.`,
  request: {
    params: z.object({
      connector_id: connectorId.meta({
        param: { name: "connector_id", in: "path" },
        description: "The connector to add or replace; the body's connector gets this id",
        example: "slack",
      }),
    }),
    body: {
      required: true,
      content: {
        "application/json": {
          schema: PutConnectorInput,
          examples: {
            oauth2_client: {
              summary: "Register Slack's OAuth2 client: the catalog entry, plus client_id and client_secret",
              value: registerSlackClient,
            },
          },
        },
      },
    },
  },
  responses: {
    200: {
      description: "The connector",
      content: {
        "application/json": {
          schema: Connector,
          examples: {
            oauth2_client: {
              summary: "Slack with its client: the secret is stored, never returned",
              value: configuredSlackConnector,
            },
          },
        },
      },
    },
    ...errorResponses(...BODY_ERRORS, "forbidden", "secret_missing"),
  },
});

export const registerPutConnector = (app: App) =>
  app.openapi(route, async (c) => {
    const record = await c
      .get("services")
      .connectors.put(c.get("principal"), c.req.valid("param").connector_id, c.req.valid("json"));
    return c.json(toConnectorDto(record), 200);
  });
