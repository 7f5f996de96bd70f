import { requireMember } from "@connvault/core";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { errorResponses } from "../../problems.ts";
import { Me } from "./schema.ts";

const route = createRoute({
  method: "get",
  operationId: "getMe",
  path: "/v1/me",
  tags: ["API keys"],
  summary: "Who the calling key is",
  responses: {
    200: {
      description: "The caller",
      content: {
        "application/json": {
          schema: Me,
          example: {
            organization_id: "org_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
            user_id: "user_42",
            role: "member",
            api_key_id: "key_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
          },
        },
      },
    },
    ...errorResponses("forbidden"),
  },
});

export const registerMe = (app: App) =>
  app.openapi(route, (c) => {
    const { organization_id, user_id, role, api_key_id } = requireMember(c.get("principal"));
    return c.json({ organization_id, user_id, role, api_key_id }, 200);
  });
