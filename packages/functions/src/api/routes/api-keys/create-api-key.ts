import { CreateApiKeyInput } from "@connvault/core";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { IdempotencyHeaders, markReplay } from "../../headers.ts";
import { BODY_ERRORS, errorResponses } from "../../problems.ts";
import { ApiKeyWithSecret, toApiKeyWithSecretDto } from "./schema.ts";

const route = createRoute({
  method: "post",
  operationId: "createApiKey",
  path: "/v1/api-keys",
  tags: ["API keys"],
  summary: "Create an API key (admin)",
  description: `The key value is in this response only; connvault keeps just its SHA-256 hash. With
\`Idempotency-Key\`, the key is derived from the key id with a server secret, so a replay answers the same key
(\`Idempotent-Replayed: true\`) without connvault storing it; another body with the same key answers 422.`,
  request: {
    headers: IdempotencyHeaders,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: CreateApiKeyInput,
          example: { user_id: "user_42", role: "member", name: "Backend (production)" },
        },
      },
    },
  },
  responses: {
    201: {
      description: "Created",
      content: {
        "application/json": {
          schema: ApiKeyWithSecret,
          example: {
            id: "key_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
            key: "cvk_Vq3c0mFh2nRkX8yTbL5sWd9eJ1gPzA7uNoQiC4vE6Hw",
            user_id: "user_42",
            role: "member",
            name: "Backend (production)",
            created_at: "2026-11-21T12:00:00.000Z",
          },
        },
      },
    },
    ...errorResponses(...BODY_ERRORS, "forbidden", "api_key_exists", "idempotency_key_reused"),
  },
});

export const registerCreateApiKey = (app: App) =>
  app.openapi(route, async (c) => {
    const { result, replayed } = await c
      .get("services")
      .apiKeys.create(c.get("principal"), c.req.valid("json"), c.req.valid("header")["idempotency-key"]);
    const { apiKey, key } = result;
    markReplay(c, replayed);
    return c.json(toApiKeyWithSecretDto(apiKey, key), 201);
  });
