import { requireMember } from "@connvault/core";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { errorResponses } from "../../problems.ts";

const Me = z
  .object({
    organization_id: z.string(),
    user_id: z.string(),
    role: z.enum(["admin", "member"]),
    api_key_id: z.string(),
  })
  .meta({ id: "Me" });

const route = createRoute({
  method: "get",
  operationId: "getMe",
  path: "/v1/me",
  tags: ["API keys"],
  summary: "Who the calling key is",
  responses: {
    200: { description: "The caller", content: { "application/json": { schema: Me } } },
    ...errorResponses(401, 403),
  },
});

export const registerMe = (app: App) =>
  app.openapi(route, (c) => {
    const { organization_id, user_id, role, api_key_id } = requireMember(c.get("principal"));
    return c.json({ organization_id, user_id, role, api_key_id }, 200);
  });
