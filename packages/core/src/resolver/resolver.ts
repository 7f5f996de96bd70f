import { z } from "zod";
import { userId } from "../api-keys/api-key.ts";

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
  id: z.string(),
  organization_id: z.string(),
  connection_id: z.string(),
  user_id: z.string(),
  purpose: z.string().nullable(),
  at: z.string(),
});
export type CredentialRead = z.infer<typeof CredentialRead>;

export const ListCredentialReadsQuery = z.object({
  connection_id: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(512).optional(),
});
export type ListCredentialReadsQuery = z.output<typeof ListCredentialReadsQuery>;
