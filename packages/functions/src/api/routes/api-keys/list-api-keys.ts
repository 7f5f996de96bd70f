import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { errorResponses } from "../../problems.ts";
import { ApiKey, toApiKeyDto } from "./schema.ts";

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
      content: { "application/json": { schema: z.object({ data: z.array(ApiKey), next_cursor: z.null() }) } },
    },
    ...errorResponses(401, 403),
  },
});

export const registerListApiKeys = (app: App) =>
  app.openapi(route, async (c) => {
    const keys = await c.get("services").apiKeys.list(c.get("principal"));
    return c.json({ data: keys.map(toApiKeyDto), next_cursor: null }, 200);
  });
