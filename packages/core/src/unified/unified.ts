import { z } from "zod";
import { secretArn } from "../connections/connection.ts";
import { connectorId } from "../connectors/connector.ts";

const text = z.string().max(16_384);
const dateTime = z.iso.datetime({ offset: true });

/** unified.to's `auth` object (property_Connection_auth): WRITE-ONLY, stored in Secrets Manager. */
export const UnifiedAuth = z
  .strictObject({
    access_token: text.optional(),
    api_url: text.optional(),
    app_id: text.optional(),
    audience: text.optional(),
    authorize_url: text.optional(),
    client_id: text.optional(),
    client_secret: text.optional(),
    consumer_key: text.optional(),
    consumer_secret: text.optional(),
    dev_api_key: text.optional(),
    emails: z.array(z.string().max(320)).max(100).optional(),
    expires_in: z.number().optional(),
    expiry_date: dateTime.optional(),
    key: text.optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
    name: text.optional(),
    other_auth_info: z.array(text).max(50).optional(),
    pem: text.optional(),
    refresh_token: text.optional(),
    refresh_token_expires_date: dateTime.optional(),
    refresh_token_expires_in: z.number().optional(),
    refresh_url: text.optional(),
    state: text.optional(),
    token: text.optional(),
    token_url: text.optional(),
    user_id: text.optional(),
  })
  .meta({ id: "UnifiedConnectionAuth", description: "WRITE-ONLY credentials; never returned" });

/**
 * unified.to's Connection as a request body. Read-only fields that clients echo back from a GET
 * (id, dates, workspace_id…) are accepted and ignored; anything else unknown is rejected.
 */
export const UnifiedConnectionInput = z
  .strictObject({
    integration_type: connectorId.meta({ description: "The connector id" }),
    integration_name: z.string().max(128).optional(),
    permissions: z.array(z.string().min(1).max(128)).max(500).optional(),
    categories: z.array(z.string().min(1).max(64)).max(100).optional(),
    external_xref: z.string().max(255).optional(),
    environment: z.string().min(1).max(64).optional(),
    is_paused: z.boolean().optional(),
    auth: UnifiedAuth.optional(),
    auth_aws_arn: secretArn.optional(),
    id: z.string().max(64).optional(),
    created_at: z.string().max(64).optional(),
    updated_at: z.string().max(64).optional(),
    workspace_id: z.string().max(64).optional(),
    last_healthy_at: z.string().max(64).optional(),
    last_unhealthy_at: z.string().max(64).optional(),
    last_unhealthy_code: z.string().max(64).optional(),
    auth_azure_keyvault_id: z.string().max(1024).optional(),
    auth_gcp_secret_name: z.string().max(1024).optional(),
    auth_hashi_vault_path: z.string().max(1024).optional(),
    secretsmanager_id: z.string().max(1024).optional(),
    secretsmanager_key: z.string().max(1024).optional(),
  })
  .meta({ id: "UnifiedConnectionInput" });
export type UnifiedConnectionInput = z.output<typeof UnifiedConnectionInput>;

export const CreateUnifiedConnectionInput = UnifiedConnectionInput.required({
  permissions: true,
  categories: true,
}).meta({ id: "UnifiedConnectionCreate" });

export const ListUnifiedConnectionsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(100),
  offset: z.coerce.number().int().min(0).max(10_000).default(0),
  updated_gte: dateTime.optional(),
  sort: z.enum(["name", "updated_at", "created_at"]).default("created_at"),
  order: z.enum(["asc", "desc"]).default("asc"),
  external_xref: z.string().max(255).optional(),
  env: z.string().max(64).optional(),
  categories: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value) =>
      value === undefined
        ? []
        : [value]
            .flat()
            .flatMap((v) => v.split(","))
            .filter(Boolean),
    )
    .meta({ description: "Any of these categories (repeat the parameter or separate with commas)" }),
});
export type ListUnifiedConnectionsQuery = z.output<typeof ListUnifiedConnectionsQuery>;
