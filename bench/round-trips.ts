import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { generateApiKey } from "@connvault/core";
import { createResolverHandler } from "@connvault/functions";
import { bootLocal } from "@connvault/local";
import type { InitializeMiddleware, MetadataBearer } from "@smithy/types";
import { addMiddleware } from "../test/helpers/middleware.ts";
import { callApi } from "./api.ts";
import { type BenchPart, markdownTable } from "./report.ts";

/**
 * The AWS calls each operation makes on a warm container (key and connector cached), counted by
 * middleware on the real SDK clients, next to DESIGN.md's floor. Counts are exact, so one sample each.
 */
const SAMPLES = 10;

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

  const call = (method: string, path: string, key: string, body?: unknown) =>
    callApi(stack, method, path, key, body);
  const org = (await call("POST", "/v1/organizations", rootApiKey, { name: "bench" })) as unknown as {
    id: string;
    admin_api_key: { key: string; user_id: string };
  };
  const key = org.admin_api_key.key;
  const body = { name: "bench", security: { authMethod: "bearer", token: "sk_bench" } };
  // The proxy's target system: a server on loopback (which npm start's proxy may call) answering {}.
  const upstream = createServer((_req, res) => res.end("{}"));
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const { port } = upstream.address() as AddressInfo;
  await call("PUT", "/v1/connectors/bench-upstream", rootApiKey, {
    name: "Bench upstream",
    description: "A loopback target system",
    auth_type: "bearer",
    versions: [{ version: "v1", servers: [{ url: `http://127.0.0.1:${port}` }], security_schema: null }],
  });
  const proxied: string[] = [];
  for (let n = 0; n <= SAMPLES; n++)
    proxied.push((await call("POST", "/v1/connectors/bench-upstream/connections", key, body)).id ?? "");
  // The proxy function authenticates keys with its own cache, warmed here by one call.
  await call("GET", `/v1/connections/${proxied.pop()}/proxy/warm`, key);
  const warm = await call("POST", "/v1/connectors/stripe/connections", key, body);
  await call("GET", `/v1/connections/${warm.id}`, key);

  /** The calls `act` makes, each of SAMPLES times (on its own connection): they must not vary. */
  const measure = async (act: (sample: number) => Promise<unknown>) => {
    const made: string[][] = [];
    for (let sample = 0; sample < SAMPLES; sample++) {
      const start = calls.length;
      await act(sample);
      await stack.edge.stream.drain();
      made.push(calls.slice(start));
    }
    const distinct = new Set(made.map((m) => m.join(" + ")));
    if (distinct.size !== 1)
      throw new Error(`round trips varied between samples: ${[...distinct].join(" | ")}`);
    return made[0] ?? [];
  };
  const ids: string[] = [];
  const rows: [string, string[], string[]][] = [
    [
      "create",
      await measure(async () => {
        ids.push((await call("POST", "/v1/connectors/stripe/connections", key, body)).id ?? "");
      }),
      ["CreateSecret", "PutItem"],
    ],
    ["get", await measure((n) => call("GET", `/v1/connections/${ids[n]}`, key)), ["GetItem"]],
    // Two key ranges, organizational and the caller's own personal ones, queried in parallel.
    ["list page", await measure(() => call("GET", "/v1/connections?limit=20", key)), ["Query", "Query"]],
    [
      "patch",
      await measure((n) => call("PATCH", `/v1/connections/${ids[n]}`, key, { name: "renamed" })),
      ["GetItem", "PutItem"],
    ],
    [
      "rotate",
      await measure((n) =>
        call("PUT", `/v1/connections/${ids[n]}/credentials`, key, {
          security: { authMethod: "bearer", token: "sk_2" },
        }),
      ),
      // The access rule must be known before a credential is touched (DESIGN.md invariant 4).
      ["GetItem", "PutSecretValue", "PutItem"],
    ],
    [
      "resolve",
      await measure((n) =>
        createResolverHandler(stack.services)({
          organization_id: org.id,
          user_id: org.admin_api_key.user_id,
          connection_id: ids[n] ?? "",
        }),
      ),
      ["GetItem", "PutItem", "GetSecretValue"],
    ],
    [
      "delete",
      await measure((n) => call("DELETE", `/v1/connections/${ids[n]}`, key)),
      ["DeleteItem", "DeleteSecret"],
    ],
    [
      "proxy",
      await measure((n) => call("GET", `/v1/connections/${proxied[n]}/proxy/x`, key)),
      ["GetItem", "GetSecretValue", "PutItem"],
    ],
    // DESIGN.md: none of the reads while the warm container's credential cache holds them. connvault
    // still reads the record, so that a pause, a delete or a rotation takes effect on the next call.
    [
      "proxy, credentials cached",
      await measure((n) => call("GET", `/v1/connections/${proxied[n]}/proxy/x`, key)),
      ["PutItem"],
    ],
  ];
  await stack.close();
  await new Promise((resolve) => upstream.close(resolve));

  const table = markdownTable(
    ["operation", "round trips", "AWS calls", "floor (DESIGN.md)"],
    rows.map(([operation, made, floor]) => [
      operation,
      String(made.length),
      made.join(" + "),
      floor.join(" + "),
    ]),
  );
  return {
    title: "Round trips per operation",
    details: `Warm container (API key and connector cached), counted by middleware on the real SDK clients, ${SAMPLES} times
each on ${SAMPLES} connections (the counts never varied; the run fails if they do). Lifecycle
events are published afterwards from the table's stream, by the events function, so they are not the
request's round trips. Every operation is checked against DESIGN.md's floor (invariant 4). Rotate reads
the record before it writes the secret: the access rule, If-Match, the connector's credential rules,
whether the secret is connvault's to change, and whether the same credentials are already current must
all be known before a credential is touched. A list page reads two key ranges (at most 2 Query round
trips whatever the caller cannot see, as the security review's fix asks; DESIGN.md still says 1). A
proxied call (to a loopback server) reads the record, then the secret unless the warm container cached
it for this revision, and writes its audit item after the answer; DESIGN.md's floor for a cached call
leaves the record out too, which connvault does not, so that a pause, a delete or a rotation takes
effect on the next call instead of within 60 s.

${table}`,
    summary: rows.map(([operation, made, floor]) => ({
      figure: `round trips: ${operation}`,
      connvault: made.join(" + "),
      reference: floor.join(" + "),
      ratio: made.length / floor.length,
      // The same calls, not only as many.
      target: { text: `= ${floor.join(" + ")}`, met: made.join(" + ") === floor.join(" + ") },
    })),
  };
}
