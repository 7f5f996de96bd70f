import { z } from "zod";
import { secureUrl } from "../shared/urls.ts";

export const connectorId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "1–64 lowercase letters, digits, _ or -")
  .meta({
    description:
      "The connector's id: 1–64 lowercase letters, digits, _ or -, starting with a letter or digit",
    example: "slack",
  });

export const authType = z.enum(["none", "api_key", "basic", "bearer", "oauth2"]).meta({
  description:
    "The credentials a connection needs: none, api_key (security.authMethod apiKey), basic, bearer, or oauth2 (a browser authorization or an existing token)",
});
export type AuthType = z.infer<typeof authType>;

export const Server = z.strictObject({
  url: secureUrl.meta({
    description:
      "Base URL the proxied path is appended to: https, or http on a loopback address; no user name or password",
    example: "https://slack.com/api",
  }),
  description: z
    .string()
    .max(256)
    .optional()
    .meta({ description: "What this server is, for people (≤ 256 characters)", example: "Slack Web API" }),
});

export const ConnectorVersion = z.strictObject({
  version: z.string().min(1).max(32).meta({
    description:
      "The version's name, unique within the connector (1–32 characters); what a connection's version pins",
    example: "v2",
  }),
  servers: z.array(Server).min(1).max(20).meta({
    description: "1–20 servers; the proxy uses the first unless the connection sets target_system_servers",
  }),
  security_schema: z
    .record(z.string(), z.unknown())
    .nullable()
    .meta({
      description:
        "An OpenAPI 3.1 Security Scheme Object: where an API key goes (apiKey in/name) and the OAuth2 flows; null for auth_type none",
      example: {
        type: "oauth2",
        flows: {
          authorizationCode: {
            authorizationUrl: "https://slack.com/oauth/v2/authorize",
            tokenUrl: "https://slack.com/api/oauth.v2.access",
            scopes: {
              "channels:read": "View basic information about public channels",
              "chat:write": "Send messages",
            },
          },
        },
      },
    }),
  verify: z
    .strictObject({
      method: z
        .enum(["GET", "HEAD", "POST"])
        .meta({ description: "The HTTP method of the check", example: "GET" }),
      path: z
        .string()
        .regex(/^\/[^\s?#]*$/, "A path on the version's first server, starting with /")
        .max(512)
        .meta({
          description: "Appended to the version's first server; starts with /, no query string or fragment",
          example: "/auth.test",
        }),
      expect_status: z.int().min(100).max(599).optional().meta({
        description: "The status that means the credentials work; any 2xx when omitted",
        example: 200,
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
  authorization_url: secureUrl.meta({
    description: "The provider's authorization endpoint, where the browser is sent",
    example: "https://slack.com/oauth/v2/authorize",
  }),
  token_url: secureUrl.meta({
    description: "The provider's token endpoint, for the code exchange and refreshes",
    example: "https://slack.com/api/oauth.v2.access",
  }),
  scopes: z
    .array(z.string().min(1).max(256))
    .max(100)
    .meta({
      description: "Requested on every authorization, joined with spaces; empty sends no scope parameter",
      example: ["channels:read", "chat:write"],
    }),
  pkce: z.boolean().meta({
    description:
      "Whether the provider supports PKCE; informational: connvault sends an S256 code challenge on every authorization",
    example: false,
  }),
  client_id: z.string().min(1).max(512).nullable().meta({
    description: "The OAuth2 client id; null until the operator configures the connector",
    example: "123456789012.123456789012",
  }),
  token_auth_method: z
    .enum(["client_secret_basic", "client_secret_post"])
    .default("client_secret_basic")
    .meta({ description: "How the client authenticates at the token endpoint" }),
};

export const OAuth2Config = z.object(oauth2Fields).meta({ id: "ConnectorOAuth2" });
export type OAuth2Config = z.infer<typeof OAuth2Config>;

const connectorFields = {
  name: z.string().min(1).max(128).meta({ description: "Display name (1–128 characters)", example: "Slack" }),
  description: z
    .string()
    .max(1024)
    .meta({ description: "What the service is, for people (≤ 1,024 characters)", example: "Slack Web API" }),
  auth_type: authType.meta({ example: "oauth2" }),
  versions: z
    .array(ConnectorVersion)
    .min(1)
    .max(50)
    .meta({ description: "1–50 versions of the service's API, each with its servers and security scheme" }),
};

export const Connector = z
  .object({
    id: connectorId,
    ...connectorFields,
    latest_version: z.string().meta({
      description: "The version a connection with version null uses (one of versions)",
      example: "v2",
    }),
    oauth2: OAuth2Config.optional().meta({
      description: "OAuth2 settings; present exactly when auth_type is oauth2",
    }),
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
    latest_version: z
      .string()
      .optional()
      .meta({ description: "One of versions; defaults to the last of versions", example: "v2" }),
    oauth2: z
      .strictObject({
        ...oauth2Fields,
        client_secret: z.string().min(1).max(4096).optional().meta({
          description:
            "WRITE-ONLY: stored in Secrets Manager under <prefix>/connectors/, never returned; omit it to keep the stored one",
        }),
      })
      .optional()
      .meta({ description: "Required when auth_type is oauth2, refused otherwise" }),
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
