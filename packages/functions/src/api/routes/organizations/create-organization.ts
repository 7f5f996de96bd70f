import { CreateOrganizationInput } from "@connvault/core";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { IdempotencyHeaders, markReplay } from "../../headers.ts";
import { BODY_ERRORS, errorResponses } from "../../problems.ts";
import { OrganizationCreated, toOrganizationCreatedDto } from "./schema.ts";

const route = createRoute({
  method: "post",
  operationId: "createOrganization",
  path: "/v1/organizations",
  tags: ["Organizations"],
  summary: "Create an organization (root key only)",
  description:
    "Creates an organization and its first admin API key, for a generated user id. The key is shown once.",
  request: {
    headers: IdempotencyHeaders,
    body: {
      required: true,
      content: { "application/json": { schema: CreateOrganizationInput, example: { name: "Acme Inc" } } },
    },
  },
  responses: {
    201: {
      description: "Created",
      content: {
        "application/json": {
          schema: OrganizationCreated,
          example: {
            id: "org_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A",
            name: "Acme Inc",
            created_at: "2026-11-21T12:00:00.000Z",
            admin_api_key: {
              id: "key_01JD3Y6Z8R6S7T8V9W0X1Y2Z3B",
              key: "cvk_Yd6pT2wQk9ZsB4xHn7mLc1vRf8uJ3eGaK5oNiW0tS2E",
              user_id: "usr_01JD3Y6Z8R6S7T8V9W0X1Y2Z3C",
              role: "admin",
              name: null,
              created_at: "2026-11-21T12:00:00.000Z",
            },
          },
        },
      },
    },
    ...errorResponses(...BODY_ERRORS, "forbidden", "api_key_exists", "idempotency_key_reused"),
  },
});

export const registerCreateOrganization = (app: App) =>
  app.openapi(route, async (c) => {
    const { result, replayed } = await c
      .get("services")
      .organizations.create(
        c.get("principal"),
        c.req.valid("json"),
        c.req.valid("header")["idempotency-key"],
      );
    const { organization, adminKey } = result;
    markReplay(c, replayed);
    return c.json(toOrganizationCreatedDto(organization, adminKey), 201);
  });
