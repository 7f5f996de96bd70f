import { performance } from "node:perf_hooks";
import { generateApiKey } from "@connvault/core";
import { bootLocal } from "@connvault/local";
import type { InitializeMiddleware, MetadataBearer } from "@smithy/types";
import { addMiddleware } from "../test/helpers/middleware.ts";
import { callApi } from "./api.ts";
import { type BenchPart, markdownTable, range, stats } from "./report.ts";

/**
 * What a member's `GET /v1/connections?limit=1` costs next to the personal connections of another
 * user they cannot see (security review, finding 6): Query round trips and wall time on the
 * embedded backend, for 0 and 10,000 invisible connections in the same organization.
 */
const INVISIBLE = [0, 10_000];
const SAMPLES = Number(process.env.BENCH_LIST_SAMPLES ?? 10);
const BATCH = 50;

export async function listCost(): Promise<BenchPart> {
  const rootApiKey = generateApiKey();
  const stack = await bootLocal({ rootApiKey, env: { CONNVAULT_LOG_LEVEL: "SILENT" } });
  let queries = 0;
  const count: InitializeMiddleware<object, MetadataBearer> = (next, context) => (args) => {
    if (context.commandName === "QueryCommand") queries += 1;
    return next(args);
  };
  addMiddleware(stack.services.clients.dynamo, "countQueries", count);

  const lists: { invisible: number; list: () => Promise<{ data: unknown[] }> }[] = [];
  for (const invisible of INVISIBLE) {
    const org = (await callApi(stack, "POST", "/v1/organizations", rootApiKey, {
      name: "bench",
    })) as unknown as {
      admin_api_key: { key: string };
    };
    const member = async (user_id: string) =>
      (await callApi(stack, "POST", "/v1/api-keys", org.admin_api_key.key, { user_id, role: "member" }))
        .key ?? "";
    const [alice, bob] = [await member("alice"), await member("bob")];
    const create = (name: string, access_scope: string) =>
      callApi(stack, "POST", "/v1/connectors/open-meteo/connections", alice, { name, access_scope });
    // The one connection bob sees is the oldest: every invisible one is newer.
    await create("shared", "organizational");
    for (let i = 0; i < invisible; i += BATCH) {
      await Promise.all(
        Array.from({ length: Math.min(BATCH, invisible - i) }, (_, j) => create(`p${i + j}`, "personal")),
      );
    }
    const list = () => callApi<{ data: unknown[] }>(stack, "GET", "/v1/connections?limit=1", bob);
    await list(); // warms bob's key
    lists.push({ invisible, list });
  }
  await stack.edge.stream.drain();

  // Interleaved, so warm-up and noise fall on every row alike.
  const samples = lists.map(() => ({ times: [] as number[], made: new Set<number>() }));
  for (let sample = 0; sample < SAMPLES; sample++) {
    for (const [i, { list }] of lists.entries()) {
      const before = queries;
      const start = performance.now();
      const page = await list();
      samples[i]?.times.push(performance.now() - start);
      samples[i]?.made.add(queries - before);
      if (page.data.length !== 1)
        throw new Error(`the member's page held ${page.data.length} connections, not 1`);
    }
  }
  const rows = lists.map(({ invisible }, i) => {
    const { times, made } = samples[i] ?? { times: [], made: new Set<number>() };
    if (made.size !== 1) throw new Error(`Query counts varied between samples: ${[...made].join(", ")}`);
    return { invisible, queries: [...made][0] ?? 0, ms: stats(times) };
  });
  await stack.close();

  const table = markdownTable(
    ["invisible connections", "Query round trips", "time, median (min–max)"],
    rows.map((row) => [row.invisible.toLocaleString("en"), String(row.queries), range(row.ms, "ms", 1)]),
  );
  return {
    title: "List cost next to what the caller cannot see",
    details: `A member's \`GET /v1/connections?limit=1\` in an organization where another user holds 0 or 10,000
personal connections, all newer than the one organizational connection the member sees; in-process on
the embedded backend, ${SAMPLES} samples each. A page reads two key ranges of GSI2 (the organization's
organizational connections and the caller's own personal ones), so what the caller cannot see is
never read.

${table}`,
    summary: rows.map((row) => ({
      figure: `list limit=1, ${row.invisible.toLocaleString("en")} invisible`,
      connvault: `${row.queries} Query, ${range(row.ms, "ms", 1)}`,
      reference: "≤ 2 Query (DESIGN.md invariant 4)",
      target: { text: "≤ 2 Query", met: row.queries <= 2 },
    })),
  };
}
