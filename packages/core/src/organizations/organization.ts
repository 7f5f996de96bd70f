import { z } from "zod";

export const CreateOrganizationInput = z.strictObject({
  name: z.string().trim().min(1).max(128).meta({
    description: "Display name: 1–128 characters after trimming surrounding spaces",
    example: "Acme Inc",
  }),
});
export type CreateOrganizationInput = z.infer<typeof CreateOrganizationInput>;

export const Organization = z.object({
  id: z
    .string()
    .meta({ description: "The organization's id (org_ + ULID)", example: "org_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A" }),
  name: z.string().meta({ description: "Display name, trimmed", example: "Acme Inc" }),
  created_at: z
    .string()
    .meta({ description: "ISO-8601 date-time (UTC) of creation", example: "2026-11-21T12:00:00.000Z" }),
});
export type Organization = z.infer<typeof Organization>;
