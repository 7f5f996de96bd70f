import { CreateOrganizationInput } from "@connvault/core";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { IdempotencyHeaders, markReplay } from "../../headers.ts";
import { errorResponses } from "../../problems.ts";
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
    body: { required: true, content: { "application/json": { schema: CreateOrganizationInput } } },
  },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: OrganizationCreated } } },
    ...errorResponses(400, 401, 403, 413, 415, 422),
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
