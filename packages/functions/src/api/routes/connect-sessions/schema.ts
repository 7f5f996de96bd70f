import {
  accessScope,
  type ConnectSessionRecord,
  type ConnectSessionStatus,
  connectSessionStatus,
} from "@connvault/core";
import { z } from "@hono/zod-openapi";

export const ConnectSession = z
  .object({
    id: z
      .string()
      .meta({ description: "The session's id (cs_ + ULID)", example: "cs_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A" }),
    object: z.literal("connect_session").meta({ description: "Always connect_session" }),
    owner: z.string().meta({ description: "Who the connection belongs to", example: "user_42" }),
    allowed_connectors: z
      .array(z.string())
      .nullable()
      .meta({
        description: "The connectors the page offers; null offers the whole catalog",
        example: ["slack"],
      }),
    access_scope: accessScope.meta({
      description: "The access scope of the connection the page creates (personal or organizational)",
      example: "personal",
    }),
    connection_id: z.string().nullable().meta({
      description: "The connection being reconnected, or the one the page made; null until then",
      example: null,
    }),
    redirect_url: z.string().nullable().meta({
      description:
        "Where the browser lands after connecting, with connection_id and status=connected added; null shows a success page",
      example: null,
    }),
    metadata: z.record(z.string(), z.string()).meta({
      description: "Your own key/value pairs, copied to the connection the page creates",
      example: {},
    }),
    status: connectSessionStatus.meta({ example: "open" }),
    created_at: z
      .string()
      .meta({ description: "ISO-8601 date-time (UTC) of creation", example: "2026-11-21T12:00:00.000Z" }),
    expires_at: z.string().meta({
      description: "ISO-8601 date-time (UTC), 30 minutes after created_at; the page stops working then",
      example: "2026-11-21T12:30:00.000Z",
    }),
  })
  .meta({ id: "ConnectSession", description: "A hosted connect page session, without its token" });

export const IssuedConnectSession = ConnectSession.extend({
  token: z.string().meta({
    description: "The session's secret, in this response only; connvault keeps a keyed hash",
    example: "cs_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A.Jb3…",
  }),
  connect_url: z.string().meta({
    description: "Send the end user's browser here (it holds the token): the hosted connect page",
    example: "https://connvault.example.com/connect/cs_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A.Jb3…",
  }),
}).meta({
  id: "IssuedConnectSession",
  description: "A new connect session, with its token and page URL (this response only)",
});

export const ConnectSessionParams = z.object({
  id: z.string().meta({
    param: { name: "id", in: "path" },
    description: "The session's id (cs_…), not its token",
    example: "cs_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
  }),
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
