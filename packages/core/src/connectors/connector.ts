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
  verify: z
    .strictObject({
      method: z.enum(["GET", "HEAD", "POST"]),
      path: z
        .string()
        .regex(/^\/[^\s?#]*$/, "A path on the version's first server, starting with /")
        .max(512)
        .meta({ example: "/v1/balance" }),
      expect_status: z.int().min(100).max(599).optional().meta({
        description: "The status that means the credentials work; any 2xx when omitted",
      }),
    })
    .optional()
    .meta({
      description:
        "A call that shows whether credentials work (a 'who am I'): the connect page makes it with what the end user entered, through the proxy's safe client, before storing anything",
    }),
});

export type ConnectorVersion = z.infer<typeof ConnectorVersion>;

const oauth2Fields = {
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
  token_auth_method: z
    .enum(["client_secret_basic", "client_secret_post"])
    .default("client_secret_basic")
    .meta({ description: "How the client authenticates at the token endpoint" }),
};

export const OAuth2Config = z.object(oauth2Fields).meta({ id: "ConnectorOAuth2" });
export type OAuth2Config = z.infer<typeof OAuth2Config>;

const connectorFields = {
  name: z.string().min(1).max(128),
  description: z.string().max(1024),
  auth_type: authType,
  versions: z.array(ConnectorVersion).min(1).max(50),
};

export const Connector = z
  .object({
    id: connectorId,
    ...connectorFields,
    latest_version: z.string(),
    oauth2: OAuth2Config.optional(),
  })
  .meta({ id: "Connector" });
export type Connector = z.infer<typeof Connector>;

/** A connector as stored: the public fields plus the ARN of its OAuth2 client secret, if any. */
export const ConnectorRecord = Connector.extend({
  oauth2: OAuth2Config.extend({ client_secret_arn: z.string().nullable().default(null) }).optional(),
});
export type ConnectorRecord = z.infer<typeof ConnectorRecord>;

/** `PUT /v1/connectors/{connector_id}`: the connector, with the OAuth2 client secret write-only. */
export const PutConnectorInput = z
  .strictObject({
    ...connectorFields,
    latest_version: z.string().optional().meta({ description: "Defaults to the last of versions" }),
    oauth2: z
      .strictObject({
        ...oauth2Fields,
        client_secret: z.string().min(1).max(4096).optional().meta({
          description: "WRITE-ONLY: stored in Secrets Manager under <prefix>/connectors/, never returned",
        }),
      })
      .optional(),
  })
  // The first rule below, stated in JSON Schema for the OpenAPI document.
  .meta({
    if: { properties: { auth_type: { const: "oauth2" } } },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable
    then: { required: ["oauth2"] },
    else: { not: { required: ["oauth2"] } },
  })
  .superRefine((input, ctx) => {
    if ((input.auth_type === "oauth2") !== (input.oauth2 !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["oauth2"],
        message: "oauth2 is required for, and only for, auth_type oauth2",
      });
    }
    if (input.latest_version && !input.versions.some((v) => v.version === input.latest_version)) {
      ctx.addIssue({
        code: "custom",
        path: ["latest_version"],
        message: "latest_version must be one of versions",
      });
    }
  });
export type PutConnectorInput = z.output<typeof PutConnectorInput>;

/** The connector version a connection pins, or undefined when the connector has no such version. */
export const findVersion = (connector: Connector, version: string | null | undefined) =>
  connector.versions.find((v) => v.version === (version ?? connector.latest_version));
