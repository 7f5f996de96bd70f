import { z } from "zod";
import { userId } from "../api-keys/api-key.ts";
import { Server } from "../connectors/connector.ts";
import { secureUrl } from "../shared/urls.ts";

const httpHeaderName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/, "Must be a valid HTTP header name");

const OAuth2Token = z.strictObject({
  access_token: z.string().min(1).max(16_384),
  refresh_token: z.string().min(1).max(16_384).optional(),
  expires_at: z
    .union([z.iso.datetime({ offset: true }), z.number().int().positive()])
    .optional()
    .meta({ description: "ISO-8601 date-time, or epoch seconds" }),
  token_type: z.string().max(64).optional(),
  scope: z.string().max(4096).optional(),
});

/** Write-only credentials: accepted on input, stored only in Secrets Manager, never returned. */
export const SecurityInput = z
  .discriminatedUnion("authMethod", [
    z.strictObject({
      authMethod: z.literal("apiKey"),
      apiKey: z.string().min(1).max(16_384),
      headerName: httpHeaderName.optional(),
    }),
    z.strictObject({
      authMethod: z.literal("basic"),
      username: z.string().min(1).max(1024),
      password: z.string().max(16_384),
    }),
    z.strictObject({ authMethod: z.literal("bearer"), token: z.string().min(1).max(16_384) }),
    z.strictObject({ authMethod: z.literal("oauth2"), oauth2Token: OAuth2Token }),
  ])
  .meta({
    description:
      "WRITE-ONLY credentials; never returned. Must fit the connector's auth_type (apiKey ↔ api_key, basic, bearer, oauth2).",
    example: { authMethod: "apiKey", apiKey: "sk_live_…", headerName: "X-API-Key" },
  });
export type SecurityInput = z.infer<typeof SecurityInput>;
export type AuthMethod = SecurityInput["authMethod"];

export const GeneralParam = z.strictObject({
  name: z.string().min(1).max(128),
  value: z.string().max(4096),
  in: z.enum(["path", "query", "header"]),
});

export const accessScope = z.enum(["personal", "organizational"]);
export const connectionStatus = z.enum([
  "active",
  "pending_authorization",
  "unhealthy",
  "paused",
  "credentials_missing",
]);
export type ConnectionStatus = z.infer<typeof connectionStatus>;

const metadata = z
  .record(z.string().min(1).max(40), z.string().max(500))
  .refine((value) => Object.keys(value).length <= 50, "At most 50 keys")
  .meta({ description: "Your own key/value pairs (≤ 50 keys, keys ≤ 40 and values ≤ 500 characters)" });

export const CreateConnectionInput = z
  .strictObject({
    name: z.string().min(1).max(128).meta({ example: "Production Slack" }),
    version: z.string().min(1).max(32).nullable().optional().meta({
      description: "Pin a connector version; null or absent follows the connector's latest version",
    }),
    security: SecurityInput.optional(),
    general_params: z.array(GeneralParam).max(50).default([]),
    headers: z
      .record(httpHeaderName, z.string().max(8192))
      .refine((value) => Object.keys(value).length <= 50, "At most 50 headers")
      .optional()
      .meta({ description: "WRITE-ONLY custom headers; only their names are ever returned" }),
    target_system_servers: z
      .array(Server)
      .max(20)
      .default([])
      .meta({ description: "Overrides the connector's servers; empty uses the connector's" }),
    access_scope: accessScope.default("personal"),
    is_service_account: z.boolean().default(false),
    owner: userId
      .optional()
      .meta({ description: "Defaults to the calling key's user; only admins may set another" }),
    environment: z.string().min(1).max(64).default("production"),
    external_xref: z.string().min(1).max(255).optional().meta({ description: "Your own reference" }),
    metadata: metadata.default({}),
    redirect_url: secureUrl
      .optional()
      .meta({ description: "OAuth2 only: where the browser lands after authorization" }),
  })
  .superRefine((input, ctx) => {
    if (input.is_service_account && input.access_scope !== "organizational") {
      ctx.addIssue({
        code: "custom",
        path: ["is_service_account"],
        message: "A service account connection must have access_scope organizational",
      });
    }
  });
export type CreateConnectionInput = z.input<typeof CreateConnectionInput>;
export type ValidCreateConnectionInput = z.output<typeof CreateConnectionInput>;

export const Credentials = z.object({
  auth_method: z.enum(["apiKey", "basic", "bearer", "oauth2"]).nullable(),
  version: z.number().int().positive(),
  updated_at: z.string(),
  managed: z.boolean().meta({ description: "false when the secret was adopted: connvault never changes it" }),
});

/** A connection as stored: metadata only. Credential values exist only in the secret it points at. */
export const ConnectionRecord = z.object({
  id: z.string(),
  organization_id: z.string(),
  connector_id: z.string(),
  version: z.string().nullable(),
  name: z.string(),
  owner: z.string(),
  access_scope: accessScope,
  is_service_account: z.boolean(),
  status: connectionStatus,
  general_params: z.array(GeneralParam),
  target_system_servers: z.array(Server),
  header_names: z.array(z.string()),
  environment: z.string(),
  external_xref: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  credentials: Credentials.nullable(),
  auth_aws_arn: z.string().nullable(),
  is_paused: z.boolean(),
  last_healthy_at: z.string().nullable(),
  last_unhealthy_at: z.string().nullable(),
  redirect_url: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  revision: z.number().int().positive(),
});
export type ConnectionRecord = z.infer<typeof ConnectionRecord>;

export const ListConnectionsQuery = z.object({
  connector_id: z.string().max(64).optional(),
  access_scope: accessScope.optional(),
  owner: userId.optional(),
  status: connectionStatus.optional(),
  environment: z.string().max(64).optional(),
  external_xref: z.string().max(255).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
});
export type ValidListConnectionsQuery = z.output<typeof ListConnectionsQuery>;
export type ConnectionFilters = Omit<z.output<typeof ListConnectionsQuery>, "limit" | "cursor">;
