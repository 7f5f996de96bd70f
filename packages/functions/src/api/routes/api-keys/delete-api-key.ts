import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { errorResponses } from "../../problems.ts";

const route = createRoute({
  method: "delete",
  operationId: "revokeApiKey",
  path: "/v1/api-keys/{id}",
  tags: ["API keys"],
  summary: "Revoke an API key (admin)",
  description:
    "Revocation is immediate in the container that serves it and takes at most 60 s everywhere else.",
  request: {
    params: z.object({
      id: z.string().meta({
        param: { name: "id", in: "path" },
        description: "The API key's id (not the key itself)",
        example: "key_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
      }),
    }),
  },
  responses: { 204: { description: "Revoked" }, ...errorResponses("forbidden", "api_key_not_found") },
});

export const registerDeleteApiKey = (app: App) =>
  app.openapi(route, async (c) => {
    await c.get("services").apiKeys.revoke(c.get("principal"), c.req.valid("param").id);
    return c.body(null, 204);
  });
