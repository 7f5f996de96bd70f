import { UnifiedConnectionInput } from "@connvault/core";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { BODY_ERRORS, errorResponses, SECRET_UPDATE_ERRORS } from "../../problems.ts";
import {
  patchedHubspotConnection,
  patchHubspotConnection,
  putHubspotConnection,
  putResultHubspotConnection,
} from "./examples.ts";
import { toUnifiedDto, UNIFIED_TAG, UnifiedConnection, UnifiedParams } from "./schema.ts";

const DESCRIPTION = `PATCH and PUT behave alike, as unified.to's clients send the whole object: the fields present replace
the stored ones, read-only fields echoed from a GET are ignored, \`integration_type\` cannot change, and \`auth\`
rotates the credentials as a new version of the same secret.`;

const updateRoute = (method: "patch" | "put") =>
  createRoute({
    method,
    // unified.to's own SDK names: patchUnifiedConnection, updateUnifiedConnection.
    operationId: method === "patch" ? "patchUnifiedConnection" : "updateUnifiedConnection",
    path: "/unified/connection/{id}",
    tags: [UNIFIED_TAG],
    summary: "Update connection (unified.to)",
    description: DESCRIPTION,
    request: {
      params: UnifiedParams,
      body: {
        required: true,
        content: {
          "application/json": {
            schema: UnifiedConnectionInput,
            example: method === "patch" ? patchHubspotConnection : putHubspotConnection,
          },
        },
      },
    },
    responses: {
      200: {
        description: "The connection",
        content: {
          "application/json": {
            schema: UnifiedConnection,
            example: method === "patch" ? patchedHubspotConnection : putResultHubspotConnection,
          },
        },
      },
      ...errorResponses(...BODY_ERRORS, ...SECRET_UPDATE_ERRORS),
    },
  });

export const registerUpdateUnifiedConnection = (app: App) => {
  for (const route of [updateRoute("patch"), updateRoute("put")]) {
    app.openapi(route, async (c) => {
      const record = await c
        .get("services")
        .unified.update(c.get("principal"), c.req.valid("param").id, c.req.valid("json"));
      return c.json(toUnifiedDto(record), 200);
    });
  }
};
