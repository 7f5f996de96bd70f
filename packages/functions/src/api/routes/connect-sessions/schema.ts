import {
  accessScope,
  type ConnectSessionRecord,
  type ConnectSessionStatus,
  connectSessionStatus,
} from "@connvault/core";
import { z } from "@hono/zod-openapi";

export const ConnectSession = z
  .object({
    id: z.string().meta({ example: "cs_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A" }),
    object: z.literal("connect_session"),
    owner: z.string().meta({ description: "Who the connection belongs to", example: "user_42" }),
    allowed_connectors: z
      .array(z.string())
      .nullable()
      .meta({ description: "The connectors the page offers; null offers the whole catalog" }),
    access_scope: accessScope,
    connection_id: z.string().nullable().meta({
      description: "The connection being reconnected, or the one the page made; null until then",
    }),
    redirect_url: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    status: connectSessionStatus,
    created_at: z.string(),
    expires_at: z.string().meta({ description: "ISO-8601; the page stops working then" }),
  })
  .meta({ id: "ConnectSession" });

export const IssuedConnectSession = ConnectSession.extend({
  token: z.string().meta({
    description: "The session's secret, in this response only; connvault keeps a keyed hash",
    example: "cs_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A.Jb3…",
  }),
  connect_url: z.string().meta({
    description: "Send the end user's browser here (it holds the token): the hosted connect page",
    example: "https://connvault.example.com/connect/cs_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A.Jb3…",
  }),
}).meta({ id: "IssuedConnectSession" });

export const ConnectSessionParams = z.object({
  id: z.string().meta({ param: { name: "id", in: "path" }, example: "cs_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A" }),
});

export const toConnectSessionDto = (
  session: ConnectSessionRecord,
  status: ConnectSessionStatus,
): z.infer<typeof ConnectSession> => ({
  id: session.id,
  object: "connect_session",
  owner: session.owner,
  allowed_connectors: session.allowed_connectors,
  access_scope: session.access_scope,
  connection_id: session.connection_id,
  redirect_url: session.redirect_url,
  metadata: session.metadata,
  status,
  created_at: session.created_at,
  expires_at: session.valid_until,
});
