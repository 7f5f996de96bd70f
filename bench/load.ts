import { generateApiKey } from "@connvault/core";
import { bootLocal } from "@connvault/local";
import { serve } from "@hono/node-server";
import autocannon from "autocannon";
import { type BenchPart, markdownTable } from "./report.ts";

/**
 * A mixed create → get → list → patch → delete workload against the local server on the embedded
 * backend for LOAD_SECONDS (default 60), for context. Its targets: no error, and the live JS heap
 * (after a full GC) grows by at most 64 MiB after warm-up.
 */
export async function load(): Promise<BenchPart> {
  const seconds = Number(process.env.LOAD_SECONDS ?? 60);
  const connections = Number(process.env.LOAD_CONNECTIONS ?? 16);
  const rootApiKey = generateApiKey();
  const stack = await bootLocal({
    rootApiKey,
    env: { CONNVAULT_LOG_LEVEL: "SILENT", CONNVAULT_RATE_LIMIT_PER_SECOND: "0" },
  });
  const server = await new Promise<{ url: string; close(): void }>((resolve) => {
    const s = serve({ fetch: stack.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => s.close() }),
    );
  });

  const org = (await (
    await fetch(`${server.url}/v1/organizations`, {
      method: "POST",
      headers: { authorization: `Bearer ${rootApiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "load" }),
    })
  ).json()) as { admin_api_key: { key: string } };
  const headers = { authorization: `Bearer ${org.admin_api_key.key}`, "content-type": "application/json" };

  type Context = { id?: string; n?: number };
  const workload = (duration: number) =>
    autocannon({
      url: server.url,
      connections,
      duration,
      headers,
      requests: [
        {
          method: "POST",
          path: "/v1/connectors/stripe/connections",
          setupRequest: (request, context: Context) => {
            context.n = (context.n ?? 0) + 1;
            return {
              ...request,
              body: JSON.stringify({
                name: `load-${context.n}`,
                security: { authMethod: "bearer", token: "sk_load" },
              }),
            };
          },
          onResponse: (_status, body, context: Context) => {
            context.id = (JSON.parse(body) as { id: string }).id;
          },
        },
        {
          method: "GET",
          setupRequest: (request, context: Context) => ({
            ...request,
            path: `/v1/connections/${context.id}`,
          }),
        },
        { method: "GET", path: "/v1/connections?limit=20" },
        {
          method: "PATCH",
          setupRequest: (request, context: Context) => ({
            ...request,
            path: `/v1/connections/${context.id}`,
            body: JSON.stringify({ metadata: { round: String(context.n) } }),
          }),
        },
        // Deleting what it made keeps the data set steady, so memory growth means a leak, not data.
        {
          method: "DELETE",
          setupRequest: (request, context: Context) => ({
            ...request,
            path: `/v1/connections/${context.id}?force=true`,
          }),
        },
      ],
    });

  await workload(5); // warm-up: JIT, caches, table growth
  global.gc?.();
  const before = process.memoryUsage();
  const result = await workload(seconds);
  global.gc?.();
  const after = process.memoryUsage();
  server.close();
  await stack.close();

  const errors = result.errors + result.timeouts + result.non2xx;
  const growth = after.rss / before.rss - 1;
  const heapGrowth = after.heapUsed - before.heapUsed;
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  // autocannon samples throughput once a second: the median and range are over those samples.
  const perSecond = `${result.requests.p50} (${result.requests.min}–${result.requests.max})`;
  const table = markdownTable(
    ["measure", "value"],
    [
      ["duration", `${seconds} s, ${connections} connections, create → get → list → patch → delete`],
      ["requests", `${result.requests.total}`],
      ["requests per second, median (min–max) of the 1 s samples", perSecond],
      ["errors (incl. non-2xx, timeouts)", String(errors)],
      ["latency p50 / p99 / max", `${result.latency.p50} / ${result.latency.p99} / ${result.latency.max} ms`],
      [
        "RSS after warm-up → end",
        `${mb(before.rss)} → ${mb(after.rss)} MiB (${(growth * 100).toFixed(0)} %)`,
      ],
      ["JS heap after warm-up → end (after GC)", `${mb(before.heapUsed)} → ${mb(after.heapUsed)} MiB`],
    ],
  );
  return {
    title: "Load: the local server",
    details: `autocannon against \`npm start\`'s server on the embedded backend (dynalite + the Secrets Manager emulator),
all on the same machine as the load generator, so the figures are for context, not for AWS. RSS keeps V8's
and the allocator's reserves; the live JS heap after a full GC is what would leak.

${table}`,
    summary: [
      {
        figure: "local server: requests per second",
        connvault: perSecond,
        reference: "— (context: embedded backend on the same cores)",
      },
      {
        figure: "local server: errors / heap growth",
        connvault: `${errors} / ${mb(heapGrowth)} MiB`,
        reference: "—",
        target: { text: "0 / ≤ 64 MiB", met: errors === 0 && heapGrowth <= 64 * 2 ** 20 },
      },
    ],
  };
}
