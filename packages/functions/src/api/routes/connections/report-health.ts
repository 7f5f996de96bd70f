import { HealthInput } from "@connvault/core";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { IdempotencyHeaders, markReplay } from "../../headers.ts";
import { BODY_ERRORS, errorResponses } from "../../problems.ts";
import { reportStripeUnhealthy, unhealthyStripeConnection } from "./examples.ts";
import { Connection, ConnectionParams, connectionView } from "./schema.ts";

const route = createRoute({
  method: "post",
  operationId: "reportHealth",
  path: "/v1/connections/{id}/health",
  tags: ["Connections"],
  summary: "Report a connection's health",
  description: `Sets \`last_healthy_at\` or \`last_unhealthy_at\` and \`health_reason\`. The status becomes \`unhealthy\` after an
unhealthy report and \`active\` after a healthy one, unless the connection is paused or lacks credentials
(\`paused\`, \`pending_authorization\` and \`credentials_missing\` take precedence). Anyone who can see the connection
may report.`,
  request: {
    params: ConnectionParams,
    headers: IdempotencyHeaders,
    body: {
      required: true,
      content: { "application/json": { schema: HealthInput, example: reportStripeUnhealthy } },
    },
  },
  responses: {
    200: {
      description: "The connection",
      content: { "application/json": { schema: Connection, example: unhealthyStripeConnection } },
    },
    ...errorResponses(
      ...BODY_ERRORS,
      "forbidden",
      "connection_not_found",
      "concurrent_update",
      "idempotency_key_reused",
    ),
  },
});

export const registerReportHealth = (app: App) =>
  app.openapi(route, async (c) => {
    const { result: record, replayed } = await c
      .get("services")
      .connections.reportHealth(
        c.get("principal"),
        c.req.valid("param").id,
        c.req.valid("json"),
        c.req.valid("header")["idempotency-key"],
      );
    markReplay(c, replayed);
    return c.json(connectionView(c, record), 200);
  });
