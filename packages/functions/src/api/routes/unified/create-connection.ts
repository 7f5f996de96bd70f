import { CreateUnifiedConnectionInput } from "@connvault/core";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { IdempotencyHeaders, markReplay } from "../../headers.ts";
import { BODY_ERRORS, errorResponses } from "../../problems.ts";
import { createHubspotConnection, hubspotConnection } from "./examples.ts";
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
    body: {
      required: true,
      content: {
        "application/json": { schema: CreateUnifiedConnectionInput, example: createHubspotConnection },
      },
    },
  },
  responses: {
    200: {
      description: "The connection",
      content: { "application/json": { schema: UnifiedConnection, example: hubspotConnection } },
    },
    ...errorResponses(
      ...BODY_ERRORS,
      "forbidden",
      "concurrent_update",
      "secret_exists",
      "idempotency_key_reused",
      "oauth2_client_not_configured",
    ),
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
