import { CreateUnifiedConnectionInput } from "@connvault/core";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { IdempotencyHeaders, markReplay } from "../../headers.ts";
import { errorResponses } from "../../problems.ts";
import { toUnifiedDto, UNIFIED_TAG, UnifiedConnection } from "./schema.ts";

const route = createRoute({
  method: "post",
  operationId: "createUnifiedConnection",
  path: "/unified/connection",
  tags: [UNIFIED_TAG],
  summary: "Create connection (unified.to)",
  description: `Imports existing credentials as unified.to does: \`auth\` is write-only and goes to Secrets Manager, or
\`auth_aws_arn\` adopts an existing secret. Answers 200, as unified.to does. The connection is organizational.`,
  request: {
    headers: IdempotencyHeaders,
    body: { required: true, content: { "application/json": { schema: CreateUnifiedConnectionInput } } },
  },
  responses: {
    200: { description: "The connection", content: { "application/json": { schema: UnifiedConnection } } },
    ...errorResponses(400, 401, 403, 409, 413, 415, 422, 429, 503),
  },
});

export const registerCreateUnifiedConnection = (app: App) =>
  app.openapi(route, async (c) => {
    const { result, replayed } = await c
      .get("services")
      .unified.create(c.get("principal"), c.req.valid("json"), c.req.valid("header")["idempotency-key"]);
    markReplay(c, replayed);
    return c.json(toUnifiedDto(result), 200);
  });
