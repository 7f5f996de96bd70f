import { connectorId, PutConnectorInput } from "@connvault/core";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { errorResponses } from "../../problems.ts";
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
    params: z.object({ connector_id: connectorId.meta({ param: { name: "connector_id", in: "path" } }) }),
    body: { required: true, content: { "application/json": { schema: PutConnectorInput } } },
  },
  responses: {
    200: { description: "The connector", content: { "application/json": { schema: Connector } } },
    ...errorResponses(400, 401, 403, 413, 415, 422, 429, 503),
  },
});

export const registerPutConnector = (app: App) =>
  app.openapi(route, async (c) => {
    const record = await c
      .get("services")
      .connectors.put(c.get("principal"), c.req.valid("param").connector_id, c.req.valid("json"));
    return c.json(toConnectorDto(record), 200);
  });
