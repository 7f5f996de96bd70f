import { role } from "@connvault/core";
import { z } from "@hono/zod-openapi";

/** `GET /v1/me`: the calling API key and who it acts for. */
export const Me = z
  .object({
    organization_id: z.string().meta({
      description: "The organization the key belongs to",
      example: "org_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
    }),
    user_id: z.string().meta({
      description: "The user the key acts for: the owner of the personal connections it creates",
      example: "user_42",
    }),
    role,
    api_key_id: z.string().meta({
      description: "The calling key's id (not its value)",
      example: "key_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
    }),
  })
  .meta({ id: "Me", description: "The calling API key and who it acts for" });
