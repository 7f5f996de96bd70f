import { z } from "@hono/zod-openapi";

/** `GET /v1/health`: liveness only. */
export const Health = z.object({
  status: z
    .literal("ok")
    .meta({ description: "Always ok: the API answers requests (its dependencies are not checked)" }),
});
