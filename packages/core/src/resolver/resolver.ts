import { z } from "zod";
import { userId } from "../api-keys/api-key.ts";
import { queryInteger } from "../shared/query.ts";

/** What the platform's executor sends the resolver (a Lambda invoke, never HTTP). */
export const ResolveRequest = z.strictObject({
  organization_id: z.string().min(1).max(64),
  user_id: userId,
  connection_id: z.string().min(1).max(64),
  purpose: z
    .string()
    .max(256)
    .optional()
    .meta({ description: "Why the credentials are read, for the audit trail" }),
});
export type ResolveRequest = z.output<typeof ResolveRequest>;

/** One credential read, as recorded for admins: who, when, which connection — never the value. */
export const CredentialRead = z.object({
  id: z
    .string()
    .meta({ description: "The audit entry's id (read_ + ULID)", example: "read_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A" }),
  organization_id: z
    .string()
    .meta({ description: "The organization of the connection", example: "org_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A" }),
  connection_id: z.string().meta({
    description: "The connection whose credentials were read",
    example: "conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
  }),
  user_id: z
    .string()
    .meta({ description: "The user id the platform's executor acted for", example: "user_42" }),
  purpose: z.string().nullable().meta({
    description: "Why, as the executor said (≤ 256 characters); null when it gave no reason",
    example: null,
  }),
  at: z
    .string()
    .meta({ description: "ISO-8601 date-time (UTC) of the read", example: "2026-11-21T12:00:00.000Z" }),
});
export type CredentialRead = z.infer<typeof CredentialRead>;

export const ListCredentialReadsQuery = z.object({
  connection_id: z.string().max(64).optional().meta({
    description: "Only entries for this connection id (exact match)",
    example: "conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
  }),
  limit: queryInteger(1, 100)
    .default(50)
    .meta({ description: "The most entries to return, 1–100 (default 50)" }),
  cursor: z.string().max(512).optional().meta({
    description:
      "The previous page's next_cursor, to read the next page; opaque and signed, valid only with the same connection_id (else 400)",
  }),
});
export type ListCredentialReadsQuery = z.output<typeof ListCredentialReadsQuery>;
