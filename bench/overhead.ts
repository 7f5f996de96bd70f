import { Readable } from "node:stream";
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { generateApiKey } from "@connvault/core";
import { bootLocal } from "@connvault/local";
import type { HttpHandlerOptions, HttpRequest, HttpResponse } from "@smithy/types";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { handle } from "hono/aws-lambda";
import { writeSection } from "./report.ts";

/**
 * `npm run bench:overhead`: what connvault's framework, validation and formatting cost per request.
 * The real Lambda handler (`handle(app)`) and a bare handler that makes the same SDK calls with no
 * framework and no validation both get AWS's answers at zero latency from a request handler that
 * replays HTTP responses recorded against the embedded backend: both pay the SDK's own work.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 10);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 300);

type Handler = {
  handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }>;
};

/** Records one HTTP answer per AWS operation, then answers every later request from memory. */
class ReplayHandler implements Handler {
  private readonly answers = new Map<
    string,
    { statusCode: number; headers: Record<string, string>; body: Buffer }
  >();
  recording = true;

  constructor(private readonly real: Handler) {}

  async handle(request: HttpRequest, options?: HttpHandlerOptions) {
    const target = request.headers["x-amz-target"] ?? "";
    if (this.recording) {
      const { response } = await this.real.handle(request, options);
      const chunks: Buffer[] = [];
      for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
      this.answers.set(target, {
        statusCode: response.statusCode,
        headers: response.headers,
        body: Buffer.concat(chunks),
      });
    }
    const answer = this.answers.get(target);
    if (!answer) throw new Error(`nothing recorded for ${target}`);
    return {
      response: {
        statusCode: answer.statusCode,
        headers: answer.headers,
        body: Readable.from([answer.body]),
      },
    };
  }
}

const rootApiKey = generateApiKey();
const stack = await bootLocal({
  rootApiKey,
  env: { CONNVAULT_LOG_LEVEL: "SILENT", CONNVAULT_RATE_LIMIT_PER_SECOND: "0" },
});
const { dynamo, secrets } = stack.services.clients;
// A cached middleware stack keeps the request handler it was resolved with: resolve afresh while
// the replay records, then cache again, as in production.
const replays = [dynamo, secrets].map((client) => {
  const config = client.config as unknown as { requestHandler: Handler; cacheMiddleware: boolean };
  const replay = new ReplayHandler(config.requestHandler);
  config.requestHandler = replay;
  config.cacheMiddleware = false;
  return replay;
});

const call = async (method: string, path: string, key: string, body?: unknown) =>
  (await (
    await stack.app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
  ).json()) as Record<string, unknown>;
const org = (await call("POST", "/v1/organizations", rootApiKey, { name: "bench" })) as {
  admin_api_key: { key: string };
};
const key = org.admin_api_key.key;
const body = { name: "bench", security: { authMethod: "bearer", token: "sk_bench" } };
const created = await call("POST", "/v1/connectors/stripe/connections", key, body);
await call("GET", `/v1/connections/${created.id}`, key);
await call("GET", "/v1/connections?limit=20", key);
for (const replay of replays) replay.recording = false;
for (const client of [dynamo, secrets]) client.config.cacheMiddleware = true;

const event = (method: string, path: string, query = "", payload?: unknown): APIGatewayProxyEventV2 => ({
  version: "2.0",
  routeKey: "$default",
  rawPath: path,
  rawQueryString: query,
  headers: { authorization: `Bearer ${key}`, "content-type": "application/json", host: "api.example.com" },
  requestContext: {
    accountId: "123456789012",
    apiId: "api",
    domainName: "api.example.com",
    domainPrefix: "api",
    http: { method, path, protocol: "HTTP/1.1", sourceIp: "203.0.113.1", userAgent: "bench" },
    requestId: "bench",
    routeKey: "$default",
    stage: "$default",
    time: "21/Nov/2026:00:00:00 +0000",
    timeEpoch: 0,
  },
  isBase64Encoded: false,
  ...(payload ? { body: JSON.stringify(payload) } : {}),
});
const cases = {
  create: event("POST", "/v1/connectors/stripe/connections", "", body),
  get: event("GET", `/v1/connections/${created.id}`),
  list: event("GET", "/v1/connections", "limit=20"),
};

const connvault = handle(stack.app) as (event: APIGatewayProxyEventV2) => Promise<unknown>;
/** The floor: the same SDK calls, straight from the event to the answer, on clients with the same replay. */
const aws = { region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } };
const bareDynamo = new DynamoDBClient({ ...aws, requestHandler: replays[0] as Handler });
const bareSecrets = new SecretsManagerClient({ ...aws, requestHandler: replays[1] as Handler });
const bare = {
  create: async (e: APIGatewayProxyEventV2) => {
    const input = JSON.parse(e.body ?? "{}");
    const secret = await bareSecrets.send(
      new CreateSecretCommand({
        Name: "n",
        SecretString: JSON.stringify(input.security),
        ClientRequestToken: "t".repeat(32),
      }),
    );
    await bareDynamo.send(
      new PutItemCommand({
        TableName: "t",
        Item: { pk: { S: "p" }, name: { S: input.name }, arn: { S: secret.ARN ?? "" } },
      }),
    );
    return {
      statusCode: 201,
      body: JSON.stringify({ id: "conn", name: input.name, auth_aws_arn: secret.ARN }),
    };
  },
  get: async () => {
    const item = await bareDynamo.send(
      new GetItemCommand({ TableName: "t", Key: { pk: { S: "p" }, sk: { S: "s" } } }),
    );
    return { statusCode: 200, body: JSON.stringify(item.Item) };
  },
  list: async () => {
    const page = await bareDynamo.send(
      new QueryCommand({ TableName: "t", KeyConditionExpression: "pk = :p" }),
    );
    return { statusCode: 200, body: JSON.stringify({ data: page.Items }) };
  },
};

/** Median and range of the per-request time over SAMPLES runs of ITERATIONS requests. */
async function time(run: () => Promise<unknown>) {
  for (let i = 0; i < ITERATIONS; i++) await run(); // warm-up
  const samples: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) await run();
    samples.push(Number(process.hrtime.bigint() - start) / 1e3 / ITERATIONS);
  }
  samples.sort((a, b) => a - b);
  return {
    median: samples[Math.floor(samples.length / 2)] ?? 0,
    min: samples[0] ?? 0,
    max: samples.at(-1) ?? 0,
  };
}

const targets: Record<string, number | undefined> = { create: 1.25, get: 1.15 };
const rows: string[] = [];
for (const name of ["create", "get", "list"] as const) {
  const ours = await time(() => connvault(cases[name]));
  const floor = await time(() => bare[name](cases[name]));
  const ratio = ours.median / floor.median;
  const target = targets[name];
  const range = (t: typeof ours) => `${t.median.toFixed(0)} µs (${t.min.toFixed(0)}–${t.max.toFixed(0)})`;
  rows.push(
    `| ${name} | ${range(ours)} | ${range(floor)} | ${ratio.toFixed(2)} | ${target ? `≤ ${target}: ${ratio <= target ? "met" : "not met"}` : "—"} |`,
  );
}
await stack.close();
const table = [
  "| request | connvault `handle(app)`, median (min–max) | bare handler, the floor | ratio | target |",
  "|---|---|---|---|---|",
  ...rows,
].join("\n");
console.log(table);
writeSection(
  "Per-request overhead",
  "npm run bench:overhead",
  `${SAMPLES} samples of ${ITERATIONS} requests each; AWS answers replayed at the HTTP handler, at zero latency.\n\n${table}`,
);
