import type { ConnectionRecord } from "@connvault/core";
import { z } from "@hono/zod-openapi";

const dateTime = z.string().meta({ description: "ISO-8601 date-time", example: "2026-11-21T12:00:00.000Z" });

/** unified.to's Connection, as their clients parse it: optional fields are absent, never null. */
export const UnifiedConnection = z
  .object({
    id: z.string().meta({
      description: "The connection's id (conn_…), the same as in /v1/connections",
      example: "conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
    }),
    created_at: dateTime.meta({ description: "When the connection was created (ISO-8601 date-time, UTC)" }),
    updated_at: dateTime.meta({ description: "When the connection last changed (ISO-8601 date-time, UTC)" }),
    workspace_id: z.string().meta({
      description: "unified.to's workspace: here the connvault organization id",
      example: "org_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
    }),
    integration_type: z.string().meta({
      description: "unified.to's integration type: here the connector id",
      example: "hubspot",
    }),
    integration_name: z.string().meta({
      description: "The connection's name (connvault's name): as sent, else the connector's name",
      example: "HubSpot",
    }),
    external_xref: z.string().optional().meta({
      description: "Your own reference (unified.to: the customer's user id); absent when none was set",
      example: "customer_42",
    }),
    permissions: z.array(z.string()).meta({
      description:
        "unified.to permissions, as sent (e.g. crm_contact_read); stored for unified.to clients, not enforced",
      example: ["crm_contact_read"],
    }),
    categories: z.array(z.string()).meta({
      description:
        "unified.to integration categories this connection supports, as sent (e.g. crm); the list's categories filter matches them",
      example: ["crm"],
    }),
    is_paused: z.boolean().meta({
      description:
        "Whether the connection is paused (settable here; read-only in unified.to, where it means over the plan's limit); the proxy refuses a paused connection (409 connection_paused)",
      example: false,
    }),
    environment: z.string().meta({
      description: "The connection's environment, as sent (default production)",
      example: "production",
    }),
    auth_aws_arn: z.string().optional().meta({
      description:
        "ARN of the Secrets Manager secret holding `auth` (which is never returned); absent when none",
      example:
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:connvault/connections/org_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A/conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A-Xy9Zab",
    }),
    last_healthy_at: dateTime
      .optional()
      .meta({ description: "When a healthy report last came (ISO-8601 date-time); absent before any" }),
    last_unhealthy_at: dateTime
      .optional()
      .meta({ description: "When an unhealthy report last came (ISO-8601 date-time); absent before any" }),
  })
  .meta({
    id: "UnifiedConnection",
    description: "A connection in unified.to's Connection shape; optional fields are absent rather than null",
  });
export type UnifiedConnectionDto = z.infer<typeof UnifiedConnection>;

export const UnifiedParams = z.object({
  id: z.string().meta({
    param: { name: "id", in: "path" },
    description: "The connection's id (conn_…); one the caller cannot see is 404",
    example: "conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
  }),
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
