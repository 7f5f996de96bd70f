import { z } from "zod";

export const userId = z
  .string()
  .regex(/^[A-Za-z0-9_.@-]{1,128}$/, "1–128 characters of A-Z a-z 0-9 _ . @ -")
  .meta({
    description:
      "The embedding platform's own user identifier: 1–128 of A-Z a-z 0-9 _ . @ - (case-sensitive)",
    example: "user_42",
  });

export const role = z.enum(["admin", "member"]).meta({
  description: "admin manages API keys and every organizational connection; member manages their own",
});
export type Role = z.infer<typeof role>;

export const CreateApiKeyInput = z.strictObject({
  user_id: userId,
  role,
  name: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .meta({ description: "A label for people (1–128 characters); null when omitted", example: "CI" }),
});
export type CreateApiKeyInput = z.infer<typeof CreateApiKeyInput>;

export const ApiKey = z.object({
  id: z.string().meta({
    description: "The key's id (key_ + ULID), for DELETE /v1/api-keys/{id}",
    example: "key_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
  }),
  organization_id: z
    .string()
    .meta({ description: "The organization the key belongs to", example: "org_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A" }),
  user_id: userId.meta({ description: "The user the key acts for" }),
  role,
  name: z.string().nullable().meta({ description: "The label given at creation; null when none was" }),
  created_at: z
    .string()
    .meta({ description: "ISO-8601 date-time (UTC) of creation", example: "2026-11-21T12:00:00.000Z" }),
  revoked_at: z.string().nullable().default(null).meta({
    description:
      "ISO-8601 date-time (UTC) of revocation; null while the key works (revoked keys are not listed)",
    example: null,
  }),
});
export type ApiKey = z.infer<typeof ApiKey>;

/** Who is calling: the deployment's root key, or an organization's API key. */
export type Principal =
  | { kind: "root" }
  | { kind: "key"; organization_id: string; user_id: string; role: Role; api_key_id: string };

export type KeyPrincipal = Extract<Principal, { kind: "key" }>;
