import type { ApiKey, Organization } from "@connvault/core";
import { z } from "@hono/zod-openapi";
import { ApiKeyWithSecret, toApiKeyWithSecretDto } from "../api-keys/schema.ts";

export const OrganizationCreated = z
  .object({
    id: z.string().meta({ example: "org_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A" }),
    name: z.string(),
    created_at: z.string().meta({ example: "2026-11-21T12:00:00.000Z" }),
    admin_api_key: ApiKeyWithSecret,
  })
  .meta({ id: "OrganizationCreated" });

export const toOrganizationCreatedDto = (
  organization: Organization,
  admin: { apiKey: ApiKey; key: string },
): z.infer<typeof OrganizationCreated> => ({
  ...organization,
  admin_api_key: toApiKeyWithSecretDto(admin.apiKey, admin.key),
});
