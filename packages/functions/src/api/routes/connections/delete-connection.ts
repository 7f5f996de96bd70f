import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { errorResponses } from "../../problems.ts";
import { ConnectionParams } from "./schema.ts";

const route = createRoute({
  method: "delete",
  operationId: "deleteConnection",
  path: "/v1/connections/{id}",
  tags: ["Connections"],
  summary: "Delete a connection",
  description: `Deletes the record, then schedules its managed secret for deletion with a 7-day recovery window, or
deletes it at once with \`force=true\`. An adopted secret is never touched (its adoption claim is released). If an
earlier attempt removed the record but not the secret, repeating the DELETE removes the secret and answers 204,
but only for a caller the secret's tags (\`connvault:owner\`, \`connvault:access_scope\`) show could have deleted
the connection: its owner, or an admin if it is organizational. Anyone else gets 404, and a secret already
scheduled for deletion is never deleted again, so \`force=true\` never cuts its recovery window short.`,
  request: {
    params: ConnectionParams,
    query: z.object({
      force: z
        .enum(["true", "false"])
        .default("false")
        .meta({ description: "Delete the secret at once, without the recovery window" }),
    }),
  },
  responses: {
    204: { description: "Deleted" },
    ...errorResponses("forbidden", "connection_not_found", "concurrent_update", "validation_failed"),
  },
});

export const registerDeleteConnection = (app: App) =>
  app.openapi(route, async (c) => {
    const force = c.req.valid("query").force === "true";
    await c.get("services").connections.delete(c.get("principal"), c.req.valid("param").id, { force });
    return c.body(null, 204);
  });
