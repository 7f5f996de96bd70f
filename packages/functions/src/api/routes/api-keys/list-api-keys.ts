import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { errorResponses } from "../../problems.ts";
import { ApiKeyList, toApiKeyDto } from "./schema.ts";

const route = createRoute({
  method: "get",
  operationId: "listApiKeys",
  path: "/v1/api-keys",
  tags: ["API keys"],
  summary: "List the organization's API keys (admin)",
  description: "Key values are never listed.",
  responses: {
    200: {
      description: "The keys",
      content: {
        "application/json": {
          schema: ApiKeyList,
          example: {
            data: [
              {
                id: "key_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
                organization_id: "org_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
                user_id: "user_42",
                role: "member",
                name: "Backend (production)",
                created_at: "2026-11-21T12:00:00.000Z",
                revoked_at: null,
              },
            ],
            next_cursor: null,
          },
        },
      },
    },
    ...errorResponses("forbidden"),
  },
});

export const registerListApiKeys = (app: App) =>
  app.openapi(route, async (c) => {
    const keys = await c.get("services").apiKeys.list(c.get("principal"));
    return c.json({ data: keys.map(toApiKeyDto), next_cursor: null }, 200);
  });
