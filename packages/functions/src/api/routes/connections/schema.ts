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
    id: z.string().meta({ example: "conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A" }),
    object: z.literal("connection"),
    organization_id: z.string(),
    connector_id: z.string().meta({ example: "slack" }),
    version: z
      .string()
      .nullable()
      .meta({ description: "The pinned connector version; null follows the latest" }),
    name: z.string(),
    owner: z.string().meta({ description: "The owning user id" }),
    access_scope: accessScope,
    is_service_account: z.boolean(),
    status: connectionStatus,
    oauth2_required: z
      .boolean()
      .meta({ description: "true while an OAuth2 browser authorization is needed" }),
    connector_page_url: z.string().nullable().meta({
      description:
        "Where a browser completes OAuth2 authorization (single use, valid 10 minutes); null when none is needed or the caller may not change the connection",
    }),
    general_params: z.array(GeneralParam),
    target_system_servers: z.array(Server),
    header_names: z.array(z.string()).meta({ description: "Names of the write-only custom headers" }),
    environment: z.string(),
    external_xref: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    credentials: Credentials.nullable().meta({
      description: "About the stored credentials (never their values); null when none are stored",
    }),
    auth_aws_arn: z
      .string()
      .nullable()
      .meta({ description: "ARN of the Secrets Manager secret holding the credentials" }),
    is_paused: z.boolean(),
    health_reason: z
      .string()
      .nullable()
      .meta({ description: "The reason given with the last health report" }),
    last_healthy_at: z.string().nullable(),
    last_unhealthy_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    etag: z
      .string()
      .meta({ description: "Entity tag of this revision, as in the ETag header", example: '"1"' }),
  })
  .meta({ id: "Connection" });
export type ConnectionDto = z.infer<typeof Connection>;
// The view the api and the events function share, typed by the documented schema.
export { toConnectionDto };

export const ConnectionParams = z.object({
  id: z.string().meta({ param: { name: "id", in: "path" }, example: "conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A" }),
});

export { etagOf };

/** One connection as a response body, with its ETag header set. */
export function connectionView(c: Context<AppEnv>, record: ConnectionRecord): ConnectionDto {
  c.header("etag", etagOf(record));
  return toConnectionDto(record, pageUrls(c));
}
