import { CreateConnectSessionInput } from "@connvault/core";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { IdempotencyHeaders, markReplay } from "../../headers.ts";
import { baseUrl } from "../../links.ts";
import { BODY_ERRORS, errorResponses } from "../../problems.ts";
import { ConnectSession, ConnectSessionParams, IssuedConnectSession, toConnectSessionDto } from "./schema.ts";

const TAG = "Connect sessions";

const openSession = {
  owner: "user_42",
  allowed_connectors: ["stripe", "hubspot"],
  access_scope: "personal",
  redirect_url: "https://app.example.com/integrations/done",
  metadata: { plan: "pro" },
};

/** The session `openSession` opened, as `GET /v1/connect-sessions/{id}` shows it. */
const session = {
  id: "cs_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
  object: "connect_session" as const,
  owner: "user_42",
  allowed_connectors: ["stripe", "hubspot"],
  access_scope: "personal" as const,
  connection_id: null,
  redirect_url: "https://app.example.com/integrations/done",
  metadata: { plan: "pro" },
  status: "open" as const,
  created_at: "2026-11-21T12:00:00.000Z",
  expires_at: "2026-11-21T12:30:00.000Z",
};

const TOKEN = "cs_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A.Jb3Zq8nWc5TfYk1HrL7dXs0GmVp4eAuN2oRiC9tE6hQ";

const create = createRoute({
  method: "post",
  operationId: "createConnectSession",
  path: "/v1/connect-sessions",
  tags: [TAG],
  summary: "Open a connect session",
  description: `Opens the hosted connect page for an end user: send their browser to \`connect_url\`. There they choose
one of \`allowed_connectors\` and enter its credentials (an API key, a username and password, a token), or
authorize with OAuth2; the credentials go straight to Secrets Manager and your backend never holds them. The
page creates one connection owned by \`owner\` (or, with \`connection_id\`, gives that connection new
credentials in place), then sends the browser to \`redirect_url\` with \`connection_id\` and \`status=connected\`
added to its query. Opened in a pop-up, the page instead posts \`{type: "connvault:connect", status: "connected",
connection_id, connect_session_id}\` to its opener, at redirect_url's origin only, and closes. A session works
for 30 minutes and only once. A member may open one for themselves, an
admin for any user; reconnecting needs the right to change the connection. The \`token\` is in this response
only; with \`Idempotency-Key\` a replay answers the same token.`,
  request: {
    headers: IdempotencyHeaders,
    body: {
      required: true,
      content: { "application/json": { schema: CreateConnectSessionInput, example: openSession } },
    },
  },
  responses: {
    201: {
      description: "Opened",
      content: {
        "application/json": {
          schema: IssuedConnectSession,
          example: {
            ...session,
            token: TOKEN,
            connect_url: `https://connvault.example.com/connect/${TOKEN}`,
          },
        },
      },
    },
    ...errorResponses(...BODY_ERRORS, "forbidden", "connection_not_found", "idempotency_key_reused"),
  },
});

const get = createRoute({
  method: "get",
  operationId: "getConnectSession",
  path: "/v1/connect-sessions/{id}",
  tags: [TAG],
  summary: "Read a connect session",
  description:
    "Its status and, once used, the connection it made; never its token. Admins see every session of the organization, members the ones they opened or own.",
  request: { params: ConnectSessionParams },
  responses: {
    200: {
      description: "The session",
      content: { "application/json": { schema: ConnectSession, example: session } },
    },
    ...errorResponses("forbidden", "connect_session_not_found"),
  },
});

const revoke = createRoute({
  method: "delete",
  operationId: "revokeConnectSession",
  path: "/v1/connect-sessions/{id}",
  tags: [TAG],
  summary: "Revoke a connect session",
  description:
    "Its page stops working at once and says so. A used or expired session stays as it is; revoking twice is a no-op.",
  request: { params: ConnectSessionParams },
  responses: { 204: { description: "Revoked" }, ...errorResponses("forbidden", "connect_session_not_found") },
});

export const registerConnectSessions = (app: App) => {
  app.openapi(create, async (c) => {
    const { connectSessions } = c.get("services");
    const { result, replayed } = await connectSessions.create(
      c.get("principal"),
      c.req.valid("json"),
      c.req.valid("header")["idempotency-key"],
    );
    markReplay(c, replayed);
    c.header("location", `/v1/connect-sessions/${result.session.id}`);
    return c.json(
      {
        ...toConnectSessionDto(result.session, connectSessions.statusOf(result.session)),
        token: result.token,
        connect_url: `${baseUrl(c)}/connect/${result.token}`,
      },
      201,
    );
  });
  app.openapi(get, async (c) => {
    const { connectSessions } = c.get("services");
    const session = await connectSessions.get(c.get("principal"), c.req.valid("param").id);
    return c.json(toConnectSessionDto(session, connectSessions.statusOf(session)), 200);
  });
  app.openapi(revoke, async (c) => {
    await c.get("services").connectSessions.revoke(c.get("principal"), c.req.valid("param").id);
    return c.body(null, 204);
  });
};
