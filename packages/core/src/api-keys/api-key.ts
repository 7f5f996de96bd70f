import { z } from "zod";

export const userId = z
  .string()
  .regex(/^[A-Za-z0-9_.@-]{1,128}$/, "1–128 characters of A-Z a-z 0-9 _ . @ -")
  .meta({ description: "The embedding platform's own user identifier", example: "user_42" });

export const role = z.enum(["admin", "member"]).meta({
  description: "admin manages API keys and every organizational connection; member manages their own",
});
export type Role = z.infer<typeof role>;

export const CreateApiKeyInput = z.strictObject({
  user_id: userId,
  role,
  name: z.string().min(1).max(128).optional().meta({ description: "A label for people", example: "CI" }),
});
export type CreateApiKeyInput = z.infer<typeof CreateApiKeyInput>;

export const ApiKey = z.object({
  id: z.string(),
  organization_id: z.string(),
  user_id: userId,
  role,
  name: z.string().nullable(),
  created_at: z.string(),
  revoked_at: z.string().nullable().default(null),
});
export type ApiKey = z.infer<typeof ApiKey>;

/** Who is calling: the deployment's root key, or an organization's API key. */
export type Principal =
  | { kind: "root" }
  | { kind: "key"; organization_id: string; user_id: string; role: Role; api_key_id: string };

export type KeyPrincipal = Extract<Principal, { kind: "key" }>;
