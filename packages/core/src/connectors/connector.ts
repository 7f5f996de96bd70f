import { z } from "zod";
import { secureUrl } from "../shared/urls.ts";

export const connectorId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "1–64 lowercase letters, digits, _ or -")
  .meta({ description: "Connector id", example: "slack" });

export const authType = z.enum(["none", "api_key", "basic", "bearer", "oauth2"]);
export type AuthType = z.infer<typeof authType>;

export const Server = z.strictObject({
  url: secureUrl.meta({ description: "Base URL", example: "https://slack.com/api" }),
  description: z.string().max(256).optional(),
});

export const ConnectorVersion = z.strictObject({
  version: z.string().min(1).max(32).meta({ example: "v1" }),
  servers: z.array(Server).min(1).max(20),
  security_schema: z
    .record(z.string(), z.unknown())
    .nullable()
    .meta({ description: "An OpenAPI 3.1 Security Scheme Object; null for auth_type none" }),
});

export const OAuth2Config = z.strictObject({
  authorization_url: secureUrl,
  token_url: secureUrl,
  scopes: z.array(z.string().min(1).max(256)).max(100),
  pkce: z.boolean(),
  client_id: z
    .string()
    .min(1)
    .max(512)
    .nullable()
    .meta({ description: "The OAuth2 client id; null until the operator configures the connector" }),
});

export const Connector = z
  .object({
    id: connectorId,
    name: z.string().min(1).max(128),
    description: z.string().max(1024),
    auth_type: authType,
    latest_version: z.string(),
    versions: z.array(ConnectorVersion).min(1).max(50),
    oauth2: OAuth2Config.optional(),
  })
  .meta({ id: "Connector" });
export type Connector = z.infer<typeof Connector>;

/** The connector version a connection pins, or undefined when the connector has no such version. */
export const findVersion = (connector: Connector, version: string | null | undefined) =>
  connector.versions.find((v) => v.version === (version ?? connector.latest_version));
