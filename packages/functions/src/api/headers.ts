import { idempotencyKey } from "@connvault/core";
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "./env.ts";

/** The `Idempotency-Key` request header, accepted on every POST. */
export const IdempotencyHeaders = z.object({ "idempotency-key": idempotencyKey.optional() });

/** The `If-Match` request header of conditional writes. */
export const IfMatchHeaders = z.object({
  "if-match": z
    .string()
    .max(1024)
    .optional()
    .meta({ description: "ETag(s) the connection must still have; otherwise 412", example: '"3"' }),
});

/** If-Match as a list of entity tags (weak tags compare by their opaque part), or undefined. */
export const ifMatchTags = (header: string | undefined): string[] | undefined =>
  header
    ?.split(",")
    .map((tag) => tag.trim().replace(/^W\//, ""))
    .filter(Boolean);

/** Marks a response that replays an earlier request with the same Idempotency-Key. */
export function markReplay(c: Context<AppEnv>, replayed: boolean): void {
  if (replayed) c.header("idempotent-replayed", "true");
}
