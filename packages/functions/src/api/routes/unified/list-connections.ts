import { ListUnifiedConnectionsQuery, UNIFIED_LIST_SCAN_LIMIT } from "@connvault/core";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { errorResponses } from "../../problems.ts";
import { hubspotConnection } from "./examples.ts";
import { toUnifiedDto, UNIFIED_TAG, UnifiedConnection } from "./schema.ts";

const route = createRoute({
  method: "get",
  operationId: "listUnifiedConnections",
  path: "/unified/connection",
  tags: [UNIFIED_TAG],
  summary: "List all connections (unified.to)",
  description: `A bare JSON array, as unified.to answers. Filters: \`external_xref\`, \`env\` (exact environment, without regard to case),
\`categories\` (any of), \`updated_gte\`; \`sort\` by name, updated_at or created_at (default), \`order\` asc (default)
or desc; \`limit\` (1–100, default 100) and \`offset\`. At most the ${UNIFIED_LIST_SCAN_LIMIT} newest visible connections are
considered; use \`GET /v1/connections\` and its cursor beyond that.`,
  request: { query: ListUnifiedConnectionsQuery },
  responses: {
    200: {
      description: "The connections",
      content: { "application/json": { schema: z.array(UnifiedConnection), example: [hubspotConnection] } },
    },
    ...errorResponses("forbidden", "validation_failed"),
  },
});

export const registerListUnifiedConnections = (app: App) =>
  app.openapi(route, async (c) => {
    const records = await c.get("services").unified.list(c.get("principal"), c.req.valid("query"));
    return c.json(records.map(toUnifiedDto), 200);
  });
