import { CreateApiKeyInput } from "@connvault/core";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { IdempotencyHeaders, markReplay } from "../../headers.ts";
import { errorResponses } from "../../problems.ts";
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
    body: { required: true, content: { "application/json": { schema: CreateApiKeyInput } } },
  },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: ApiKeyWithSecret } } },
    ...errorResponses(400, 401, 403, 413, 415, 422),
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
