import type { ApiKey as ApiKeyRecord } from "@connvault/core";
import { ApiKey as ApiKeyShape } from "@connvault/core";
import { z } from "@hono/zod-openapi";

export const ApiKey = ApiKeyShape.meta({ id: "ApiKey", description: "An API key, without its value" });

export const ApiKeyWithSecret = z
  .object({
    id: z.string().meta({ example: "key_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A" }),
    key: z.string().meta({ description: "The key itself: shown only in this response", example: "cvk_…" }),
    user_id: z.string(),
    role: z.enum(["admin", "member"]),
    name: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: "ApiKeyWithSecret" });

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
