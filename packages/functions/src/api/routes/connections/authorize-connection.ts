import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { IdempotencyHeaders } from "../../headers.ts";
import { baseUrl } from "../../links.ts";
import { errorResponses } from "../../problems.ts";
import { AuthorizationLink, ConnectionParams } from "./schema.ts";

const route = createRoute({
  method: "post",
  operationId: "authorizeConnection",
  path: "/v1/connections/{id}/authorize",
  tags: ["Connections"],
  summary: "Re-authorize an OAuth2 connection in place",
  description: `A fresh \`connector_page_url\` (single use, valid 10 minutes) for a browser to (re)authorize the connection,
even one that is already active (links in connection responses only authorize a pending one). On success
the new token becomes the next version of the same secret: same connection id, same \`auth_aws_arn\`. Nothing
changes until then. Needs the right to change the connection; answers 422 for a connector that is not OAuth2.`,
  request: { params: ConnectionParams, headers: IdempotencyHeaders },
  responses: {
    200: {
      description: "Where to send the browser",
      content: {
        "application/json": {
          schema: AuthorizationLink,
          example: {
            connector_page_url: "https://connvault.example.com/oauth2/authorize?state=eyJ2IjoxfQ.SIGNED",
          },
        },
      },
    },
    ...errorResponses(
      "payload_too_large",
      "unsupported_media_type",
      "validation_failed",
      "forbidden",
      "connection_not_found",
      "oauth2_client_not_configured",
    ),
  },
});

export const registerAuthorizeConnection = (app: App) =>
  app.openapi(route, async (c) => {
    const url = await c
      .get("services")
      .oauthLinks.reauthorize(c.get("principal"), c.req.valid("param").id, baseUrl(c));
    return c.json({ connector_page_url: url }, 200);
  });
