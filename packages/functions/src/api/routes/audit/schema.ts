import { z } from "@hono/zod-openapi";

/** A page of an audit trail, newest first. */
export const auditPage = (entry: z.ZodType) =>
  z.object({
    data: z.array(entry).meta({ description: "The entries of this page, newest first" }),
    next_cursor: z.string().nullable().meta({
      description: "Pass as cursor (with the same connection_id) for the next page; null on the last page",
    }),
  });
