import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { generateApiKey } from "@connvault/core";
import { createProxyApp } from "@connvault/functions";
import { bootLocal } from "@connvault/local";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { handle } from "hono/aws-lambda";
import { Agent } from "undici";
import { httpApiEvent } from "../test/fixtures/api-gateway-v2.ts";
import { callApi } from "./api.ts";
import { replayAnswers } from "./replay.ts";
import {
  type BenchPart,
  ITERATIONS,
  markdownTable,
  range,
  ratioRow,
  SAMPLES,
  type Stats,
  stats,
  withLogsToSink,
} from "./report.ts";

/**
 * A proxied call against a direct call to the same local upstream, warm, credentials cached: the proxy
 * Lambda's handler (API Gateway event in, result out; AWS answered at zero latency by recorded answers,
 * as in the overhead bench) against undici calling the upstream itself on a keep-alive agent.
 */
export const proxyOverhead = (): Promise<BenchPart> => withLogsToSink(measure);

async function measure(): Promise<BenchPart> {
  const upstream = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"object":"balance","available":[{"amount":0,"currency":"usd"}]}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

  const rootApiKey = generateApiKey();
  const stack = await bootLocal({
    rootApiKey,
    env: {
      CONNVAULT_LOG_LEVEL: "INFO",
      CONNVAULT_RATE_LIMIT_PER_SECOND: "0",
      CONNVAULT_PROXY_RATE_LIMIT_PER_SECOND: "0",
    },
  });
  const replays = [stack.services.clients.dynamo, stack.services.clients.secrets].map(replayAnswers);
  const org = await callApi<{ admin_api_key: { key: string } }>(
    stack,
    "POST",
    "/v1/organizations",
    rootApiKey,
    {
      name: "bench",
    },
  );
  const key = org.admin_api_key.key;
  await callApi(stack, "PUT", "/v1/connectors/bench-upstream", rootApiKey, {
    name: "Bench upstream",
    description: "A loopback target system",
    auth_type: "bearer",
    versions: [{ version: "v1", servers: [{ url: base }], security_schema: null }],
  });
  const { id } = await callApi(stack, "POST", "/v1/connectors/bench-upstream/connections", key, {
    name: "bench",
    security: { authMethod: "bearer", token: "sk_bench" },
  });
  const event = httpApiEvent("GET", `/v1/connections/${id}/proxy/v1/balance`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const proxied = handle(createProxyApp(stack.services)) as (
    e: APIGatewayProxyEventV2,
  ) => Promise<{ statusCode: number }>;
  // Recorded while the proxy's own API-key cache and credential cache fill; replayed from then on.
  if ((await proxied(event)).statusCode !== 200) throw new Error("the proxied call failed");
  for (const replay of replays) replay.cacheAgain();
  const agent = new Agent();
  const direct = async () => {
    const res = await agent.request({ origin: base, path: "/v1/balance", method: "GET" });
    await res.body.text();
    return res.statusCode;
  };

  /** µs per call over one batch, and each call's latency. */
  const latencies: Record<"proxied" | "direct", number[]> = { proxied: [], direct: [] };
  const batch = async (name: "proxied" | "direct", run: () => Promise<unknown>) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) {
      const at = process.hrtime.bigint();
      await run();
      latencies[name].push(Number(process.hrtime.bigint() - at) / 1e3);
    }
    return Number(process.hrtime.bigint() - start) / 1e3 / ITERATIONS;
  };
  /** Every measured call must be the upstream's 200: a refusal would be measured as a cheap call. */
  const ok = async (call: () => Promise<number>) => {
    const status = await call();
    if (status !== 200) throw new Error(`a measured call answered ${status}`);
  };
  const runs = {
    proxied: () => ok(async () => (await proxied(event)).statusCode),
    direct: () => ok(direct),
  } as const;
  for (const [name, run] of Object.entries(runs)) await batch(name as "proxied", run); // warm-up
  latencies.proxied = [];
  latencies.direct = [];
  const cpu: Record<"proxied" | "direct", number[]> = { proxied: [], direct: [] };
  for (let s = 0; s < SAMPLES; s++) {
    for (const name of (s % 2 ? ["direct", "proxied"] : ["proxied", "direct"]) as ("proxied" | "direct")[]) {
      cpu[name].push(await batch(name, runs[name]));
    }
  }
  await agent.close();
  await stack.close();
  await new Promise((resolve) => upstream.close(resolve));

  const [proxiedCpu, directCpu] = [stats(cpu.proxied), stats(cpu.direct)] as [Stats, Stats];
  const [proxiedLatency, directLatency] = [stats(latencies.proxied), stats(latencies.direct)] as [
    Stats,
    Stats,
  ];
  const added = proxiedLatency.median - directLatency.median;
  const table = markdownTable(
    ["call", `CPU per call (batches of ${ITERATIONS})`, "latency p50 (min–max) of every call"],
    [
      ["through the proxy Lambda", range(proxiedCpu, "µs"), range(proxiedLatency, "µs")],
      ["directly, undici to the upstream", range(directCpu, "µs"), range(directLatency, "µs")],
    ],
  );
  return {
    title: "The proxy against a direct call",
    details: `A GET of a Stripe-shaped \`/v1/balance\` from an HTTP server on loopback in this process: through the proxy
Lambda's handler (an API Gateway event in, its result out; the warm container's API-key and credential
caches full, so a call reads the connection record and writes its audit item, AWS answering from recorded
responses at zero latency) and directly with undici on a keep-alive agent. ${SAMPLES} interleaved batches of
${ITERATIONS} calls; logging at INFO. Both sides pay the upstream's own work, which runs in this process.
What the proxy adds per call is its framework and features (see the overhead bench): Hono's Request and
Response, the API key, the record's GetItem and the audit's PutItem through the SDK, building the upstream
request, redacting the answer and the access line. The direct call makes no AWS call; the proxied one
makes two, and the SDK's work for one GetItem alone (the overhead bench's profile of a get) is more
than the direct call's CPU, so a bound of 1.3 × the direct call leaves room for no AWS call at all.

${table}`,
    summary: [
      {
        figure: "proxy: added latency, p50",
        connvault: `${added.toFixed(0)} µs`,
        reference: `${directLatency.median.toFixed(0)} µs direct p50`,
        target: { text: "≤ 1 ms", met: added <= 1000 },
      },
      ratioRow("proxy: CPU per call", proxiedCpu, directCpu, "µs", 1.3),
    ],
  };
}
