import type { ApiKey, Organization } from "@connvault/core";
import { z } from "@hono/zod-openapi";
import { ApiKeyWithSecret, toApiKeyWithSecretDto } from "../api-keys/schema.ts";

export const OrganizationCreated = z
  .object({
    id: z.string().meta({
      description: "The organization's id (org_ + ULID)",
      example: "org_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
    }),
    name: z.string().meta({ description: "Display name, trimmed", example: "Acme Inc" }),
    created_at: z
      .string()
      .meta({ description: "ISO-8601 date-time (UTC) of creation", example: "2026-11-21T12:00:00.000Z" }),
    admin_api_key: ApiKeyWithSecret,
  })
  .meta({ id: "OrganizationCreated", description: "A new organization with its first admin API key" });

export const toOrganizationCreatedDto = (
  organization: Organization,
  admin: { apiKey: ApiKey; key: string },
): z.infer<typeof OrganizationCreated> => ({
  ...organization,
  admin_api_key: toApiKeyWithSecretDto(admin.apiKey, admin.key),
});
