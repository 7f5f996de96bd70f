import { type ConnectorRecord, Connector as ConnectorShape, OAuth2Config } from "@connvault/core";
import { z } from "@hono/zod-openapi";

export const Connector = ConnectorShape.extend({
  oauth2: OAuth2Config.extend({
    client_secret_configured: z
      .boolean()
      .meta({ description: "Whether a client secret is stored (it is never returned)" }),
  })
    .optional()
    .meta({ description: "OAuth2 settings; present exactly when auth_type is oauth2" }),
}).meta({ id: "Connector", description: "A service connections can be made to, from the catalog" });
export type ConnectorDto = z.infer<typeof Connector>;

export const ConnectorParams = z.object({
  connector_id: z.string().meta({
    param: { name: "connector_id", in: "path" },
    description: "The connector's id, as listed by GET /v1/connectors (exact, lowercase)",
    example: "slack",
  }),
});

/** The whole catalog, as one page. */
export const ConnectorList = z.object({
  data: z.array(Connector).meta({ description: "Every connector of the catalog, sorted by id" }),
  next_cursor: z.null().meta({ description: "Always null: the whole catalog is one page" }),
});

/** The public view of a connector: the client secret's ARN stays inside. */
export function toConnectorDto(record: ConnectorRecord): ConnectorDto {
  const { oauth2, ...fields } = record;
  if (!oauth2) return fields;
  const { client_secret_arn, ...config } = oauth2;
  return { ...fields, oauth2: { ...config, client_secret_configured: client_secret_arn !== null } };
}
