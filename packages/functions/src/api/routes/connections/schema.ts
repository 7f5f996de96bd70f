import {
  accessScope,
  type ConnectionRecord,
  Credentials,
  connectionStatus,
  etagOf,
  GeneralParam,
  Server,
} from "@connvault/core";
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { toConnectionDto } from "../../../connection-view.ts";
import type { AppEnv } from "../../env.ts";
import { pageUrls } from "../../links.ts";

export const Connection = z
  .object({
    id: z.string().meta({
      description: "The connection's id (conn_ + ULID)",
      example: "conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
    }),
    object: z.literal("connection").meta({ description: "Always connection" }),
    organization_id: z
      .string()
      .meta({ description: "The organization it belongs to", example: "org_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A" }),
    connector_id: z.string().meta({
      description: "The connector it connects to (GET /v1/connectors/{connector_id})",
      example: "slack",
    }),
    version: z
      .string()
      .nullable()
      .meta({ description: "The pinned connector version; null follows the latest", example: null }),
    name: z.string().meta({ description: "A name for people", example: "Production Slack" }),
    owner: z.string().meta({ description: "The owning user id", example: "user_42" }),
    access_scope: accessScope.meta({ example: "personal" }),
    is_service_account: z.boolean().meta({
      description:
        "true for shared service-account credentials; only ever true with access_scope organizational",
      example: false,
    }),
    status: connectionStatus.meta({ example: "active" }),
    oauth2_required: z.boolean().meta({
      description:
        "true exactly when status is pending_authorization: an OAuth2 browser authorization is needed",
      example: false,
    }),
    connector_page_url: z.string().nullable().meta({
      description:
        "Where a browser completes OAuth2 authorization (single use, valid 10 minutes); null when none is needed or the caller may not change the connection",
      example: null,
    }),
    general_params: z
      .array(GeneralParam)
      .meta({ description: "Parameters the proxy adds to every call through the connection" }),
    target_system_servers: z
      .array(Server)
      .meta({ description: "Servers that override the connector version's; empty uses the connector's" }),
    header_names: z.array(z.string()).meta({
      description: "Names of the write-only custom headers (their values are never returned)",
      example: [],
    }),
    environment: z.string().meta({
      description: "As sent (default production); filters compare it without regard to case",
      example: "production",
    }),
    external_xref: z
      .string()
      .nullable()
      .meta({ description: "Your own reference; null when none was set", example: null }),
    metadata: z
      .record(z.string(), z.string())
      .meta({ description: "Your own key/value pairs, as sent", example: {} }),
    credentials: Credentials.nullable().meta({
      description: "About the stored credentials (never their values); null when none are stored",
    }),
    auth_aws_arn: z.string().nullable().meta({
      description:
        "ARN of the Secrets Manager secret holding the credentials (managed, or adopted); null when none are stored",
      example:
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:connvault/connections/org_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A/conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A-Xy9Zab",
    }),
    is_paused: z.boolean().meta({
      description:
        "true while paused (set with PATCH): the proxy answers 409 connection_paused and the resolver hands out no credentials",
      example: false,
    }),
    health_reason: z.string().nullable().meta({
      description: "The reason given with the last health report; null when it gave none",
      example: null,
    }),
    last_healthy_at: z.string().nullable().meta({
      description: "ISO-8601 date-time (UTC) of the last healthy report; null before any",
      example: "2026-11-21T12:00:00.000Z",
    }),
    last_unhealthy_at: z.string().nullable().meta({
      description: "ISO-8601 date-time (UTC) of the last unhealthy report; null before any",
      example: null,
    }),
    created_at: z
      .string()
      .meta({ description: "ISO-8601 date-time (UTC) of creation", example: "2026-11-21T12:00:00.000Z" }),
    updated_at: z.string().meta({
      description:
        "ISO-8601 date-time (UTC) of the last change (update, rotation, authorization, health report)",
      example: "2026-11-21T12:00:00.000Z",
    }),
    etag: z.string().meta({
      description: "Entity tag of this revision, as in the ETag header; send it as If-Match",
      example: '"1"',
    }),
  })
  .meta({ id: "Connection" });
export type ConnectionDto = z.infer<typeof Connection>;
// The view the api and the events function share, typed by the documented schema.
export { toConnectionDto };

export const ConnectionParams = z.object({
  id: z.string().meta({
    param: { name: "id", in: "path" },
    description:
      "The connection's id (conn_…); another organization's, or another user's personal one, is 404",
    example: "conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
  }),
});

/** A page of connections, newest first. */
export const ConnectionList = z.object({
  data: z.array(Connection).meta({ description: "The connections of this page, newest first" }),
  next_cursor: z.string().nullable().meta({
    description: "Pass as cursor (with the same filters) for the next page; null on the last page",
  }),
});

/** `POST /v1/connections/{id}/authorize`: where to send the browser. */
export const AuthorizationLink = z.object({
  connector_page_url: z.string().meta({
    description: "Send the browser here to (re)authorize with the provider: single use, valid 10 minutes",
  }),
});

export { etagOf };

/** One connection as a response body, with its ETag header set. */
export function connectionView(c: Context<AppEnv>, record: ConnectionRecord): ConnectionDto {
  c.header("etag", etagOf(record));
  return toConnectionDto(record, pageUrls(c));
}
