import { generateApiKey } from "@connvault/core";
import { createResolver } from "@connvault/functions";
import { bootLocal } from "@connvault/local";
import type { InitializeMiddleware, MetadataBearer } from "@smithy/types";
import { addMiddleware } from "../test/helpers/middleware.ts";
import { type BenchPart, markdownTable } from "./report.ts";

/**
 * The AWS calls each operation makes on a warm container (key and connector cached), counted by
 * middleware on the real SDK clients, next to DESIGN.md's floor. Counts are exact, so one sample each.
 */
export async function roundTrips(): Promise<BenchPart> {
  const rootApiKey = generateApiKey();
  const stack = await bootLocal({ rootApiKey, env: { CONNVAULT_LOG_LEVEL: "SILENT" } });
  const calls: string[] = [];
  const record: InitializeMiddleware<object, MetadataBearer> = (next, context) => (args) => {
    calls.push((context.commandName ?? "?").replace(/Command$/, ""));
    return next(args);
  };
  // The request's own calls: PutEvents comes later, from the table's stream (the events function).
  addMiddleware(stack.services.clients.dynamo, "countRoundTrips", record);
  addMiddleware(stack.services.clients.secrets, "countRoundTrips", record);

  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await stack.app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return (await res.json().catch(() => ({}))) as Record<string, string>;
  };
  const org = (await call("POST", "/v1/organizations", rootApiKey, { name: "bench" })) as unknown as {
    id: string;
    admin_api_key: { key: string; user_id: string };
  };
  const key = org.admin_api_key.key;
  const body = { name: "bench", security: { authMethod: "bearer", token: "sk_bench" } };
  const warm = await call("POST", "/v1/connectors/stripe/connections", key, body);
  await call("GET", `/v1/connections/${warm.id}`, key);

  const measure = async (act: () => Promise<unknown>) => {
    const start = calls.length;
    await act();
    await stack.edge.stream.drain();
    return calls.slice(start);
  };
  let id = "";
  const rows: [string, string[], string[] | null][] = [
    [
      "create",
      await measure(async () => {
        id = (await call("POST", "/v1/connectors/stripe/connections", key, body)).id ?? "";
      }),
      ["CreateSecret", "PutItem"],
    ],
    ["get", await measure(() => call("GET", `/v1/connections/${id}`, key)), ["GetItem"]],
    ["list page", await measure(() => call("GET", "/v1/connections?limit=20", key)), ["Query"]],
    ["patch", await measure(() => call("PATCH", `/v1/connections/${id}`, key, { name: "renamed" })), null],
    [
      "rotate",
      await measure(() =>
        call("PUT", `/v1/connections/${id}/credentials`, key, {
          security: { authMethod: "bearer", token: "sk_2" },
        }),
      ),
      ["PutSecretValue", "UpdateItem"],
    ],
    [
      "resolve",
      await measure(() =>
        createResolver(stack.services)({
          organization_id: org.id,
          user_id: org.admin_api_key.user_id,
          connection_id: id,
        }),
      ),
      null,
    ],
    [
      "delete",
      await measure(() => call("DELETE", `/v1/connections/${id}`, key)),
      ["DeleteItem", "DeleteSecret"],
    ],
  ];
  await stack.close();

  const table = markdownTable(
    ["operation", "round trips", "AWS calls", "floor (DESIGN.md)"],
    rows.map(([operation, made, floor]) => [
      operation,
      String(made.length),
      made.join(" + "),
      floor ? floor.join(" + ") : "— (not in DESIGN.md)",
    ]),
  );
  return {
    title: "Round trips per operation",
    details: `Warm container (API key and connector cached), counted by middleware on the real SDK clients. Lifecycle
events are published afterwards from the table's stream, by the events function, so they are not the
request's round trips. Rotate reads the record first: who may rotate, and which secret and version to
write, must be known before a credential is touched.

${table}`,
    summary: rows.map(([operation, made, floor]) => ({
      figure: `round trips: ${operation}`,
      connvault: made.join(" + "),
      reference: floor ? floor.join(" + ") : "— (no floor in DESIGN.md)",
      ...(floor
        ? {
            ratio: made.length / floor.length,
            target: { text: `= ${floor.length}`, met: made.length === floor.length },
          }
        : {}),
    })),
  };
}
