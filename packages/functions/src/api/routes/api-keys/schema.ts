import type { ApiKey as ApiKeyRecord } from "@connvault/core";
import { ApiKey as ApiKeyShape } from "@connvault/core";
import { z } from "@hono/zod-openapi";

export const ApiKey = ApiKeyShape.meta({ id: "ApiKey", description: "An API key, without its value" });

export const ApiKeyWithSecret = z
  .object({
    id: z.string().meta({
      description: "The key's id (key_ + ULID), for DELETE /v1/api-keys/{id}",
      example: "key_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
    }),
    key: z.string().meta({
      description:
        "The key itself (cvk_…): shown only in this response, send it as `Authorization: Bearer <key>` or `X-API-Key`",
      example: "cvk_…",
    }),
    user_id: z.string().meta({ description: "The user the key acts for", example: "user_42" }),
    role: z.enum(["admin", "member"]).meta({
      description: "admin manages API keys and every organizational connection; member manages their own",
    }),
    name: z.string().nullable().meta({ description: "The label given at creation; null when none was" }),
    created_at: z
      .string()
      .meta({ description: "ISO-8601 date-time (UTC) of creation", example: "2026-11-21T12:00:00.000Z" }),
  })
  .meta({
    id: "ApiKeyWithSecret",
    description: "A new API key with its value, which no other response shows",
  });

/** A list of API keys: the whole organization's in one page. */
export const ApiKeyList = z.object({
  data: z.array(ApiKey).meta({ description: "Every API key of the organization that is not revoked" }),
  next_cursor: z.null().meta({ description: "Always null: the whole list is one page" }),
});

export const toApiKeyDto = (apiKey: ApiKeyRecord): z.infer<typeof ApiKey> => apiKey;

export const toApiKeyWithSecretDto = (
  apiKey: ApiKeyRecord,
  key: string,
): z.infer<typeof ApiKeyWithSecret> => ({
  id: apiKey.id,
  key,
  user_id: apiKey.user_id,
  role: apiKey.role,
  name: apiKey.name,
  created_at: apiKey.created_at,
});
