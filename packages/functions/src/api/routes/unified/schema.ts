import type { ConnectionRecord } from "@connvault/core";
import { z } from "@hono/zod-openapi";

const dateTime = z.string().meta({ description: "ISO-8601 date-time", example: "2026-11-21T12:00:00.000Z" });

/** unified.to's Connection, as their clients parse it: optional fields are absent, never null. */
export const UnifiedConnection = z
  .object({
    id: z.string(),
    created_at: dateTime,
    updated_at: dateTime,
    workspace_id: z.string().meta({ description: "The connvault organization id" }),
    integration_type: z.string().meta({ description: "The connector id", example: "hubspot" }),
    integration_name: z.string(),
    external_xref: z.string().optional(),
    permissions: z.array(z.string()),
    categories: z.array(z.string()),
    is_paused: z.boolean(),
    environment: z.string(),
    auth_aws_arn: z
      .string()
      .optional()
      .meta({ description: "ARN of the secret holding `auth` (which is never returned)" }),
    last_healthy_at: dateTime.optional(),
    last_unhealthy_at: dateTime.optional(),
  })
  .meta({ id: "UnifiedConnection" });
export type UnifiedConnectionDto = z.infer<typeof UnifiedConnection>;

export const UnifiedParams = z.object({
  id: z.string().meta({ param: { name: "id", in: "path" }, example: "conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A" }),
});

const present = <K extends string, V>(key: K, value: V | null) =>
  (value === null ? {} : { [key]: value }) as Partial<Record<K, V>>;

export const toUnifiedDto = (record: ConnectionRecord): UnifiedConnectionDto => ({
  id: record.id,
  created_at: record.created_at,
  updated_at: record.updated_at,
  workspace_id: record.organization_id,
  integration_type: record.connector_id,
  integration_name: record.name,
  ...present("external_xref", record.external_xref),
  permissions: record.permissions,
  categories: record.categories,
  is_paused: record.is_paused,
  environment: record.environment,
  ...present("auth_aws_arn", record.auth_aws_arn),
  ...present("last_healthy_at", record.last_healthy_at),
  ...present("last_unhealthy_at", record.last_unhealthy_at),
});

export const UNIFIED_TAG = "unified.to-compatible";
