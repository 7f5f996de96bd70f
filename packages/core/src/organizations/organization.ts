import { z } from "zod";

export const CreateOrganizationInput = z.strictObject({
  name: z.string().trim().min(1).max(128).meta({ description: "Display name", example: "Acme Inc" }),
});
export type CreateOrganizationInput = z.infer<typeof CreateOrganizationInput>;

export const Organization = z.object({ id: z.string(), name: z.string(), created_at: z.string() });
export type Organization = z.infer<typeof Organization>;
