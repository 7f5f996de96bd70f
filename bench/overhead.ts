import { Readable } from "node:stream";
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { generateApiKey } from "@connvault/core";
import { awsClient } from "@connvault/functions";
import { bootLocal } from "@connvault/local";
import type { HttpHandlerOptions, HttpRequest, HttpResponse } from "@smithy/types";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { Hono } from "hono";
import { handle } from "hono/aws-lambda";
import { httpApiEvent } from "../test/fixtures/api-gateway-v2.ts";
import { callApi } from "./api.ts";
import { type BenchPart, markdownTable, range, ratioRow, type Stats, stats } from "./report.ts";

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

/**
 * What connvault's framework, validation and formatting cost per request. The real Lambda handler
 * (`handle(app)`) and a bare handler that makes the same SDK calls with no framework and no
 * validation both get AWS's answers at zero latency from a request handler that replays HTTP
 * responses recorded against the embedded backend: both pay the SDK's own work.
 */
export async function overhead(): Promise<BenchPart> {
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

  const call = (method: string, path: string, key: string, body?: unknown) =>
    callApi<Record<string, unknown>>(stack, method, path, key, body);
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

  const event = (method: string, path: string, query = "", payload?: unknown) =>
    httpApiEvent(method, path, {
      query,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(payload ? { body: JSON.stringify(payload) } : {}),
    });
  const cases = {
    create: event("POST", "/v1/connectors/stripe/connections", "", body),
    get: event("GET", `/v1/connections/${created.id}`),
    list: event("GET", "/v1/connections", "limit=20"),
  };

  const connvault = handle(stack.app) as (event: APIGatewayProxyEventV2) => Promise<unknown>;
  /**
   * The floor: the same SDK calls, straight from the event to the answer, on clients built with the
   * SDK's defaults (as a hand-written handler would) and the same replay. A second floor uses
   * connvault's client settings (cached middleware stacks, no logger middleware), which leaves only
   * the framework's share.
   */
  const aws = { region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } };
  const floorFor = (tuned: boolean) => {
    const dynamoConfig = { ...aws, requestHandler: replays[0] as Handler };
    const secretsConfig = { ...aws, requestHandler: replays[1] as Handler };
    const dynamo = tuned ? awsClient(DynamoDBClient, dynamoConfig) : new DynamoDBClient(dynamoConfig);
    const secrets = tuned
      ? awsClient(SecretsManagerClient, secretsConfig)
      : new SecretsManagerClient(secretsConfig);
    return {
      create: async (e: APIGatewayProxyEventV2) => {
        const input = JSON.parse(e.body ?? "{}");
        const secret = await secrets.send(
          new CreateSecretCommand({
            Name: "n",
            SecretString: JSON.stringify(input.security),
            ClientRequestToken: "t".repeat(32),
          }),
        );
        await dynamo.send(
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
      get: async (_e: APIGatewayProxyEventV2) => {
        const item = await dynamo.send(
          new GetItemCommand({ TableName: "t", Key: { pk: { S: "p" }, sk: { S: "s" } } }),
        );
        return { statusCode: 200, body: JSON.stringify(item.Item) };
      },
      // The same two Queries a list page makes (the organizational and the caller's own range), in parallel.
      list: async (_e: APIGatewayProxyEventV2) => {
        const query = () =>
          dynamo.send(new QueryCommand({ TableName: "t", KeyConditionExpression: "pk = :p" }));
        const pages = await Promise.all([query(), query()]);
        return { statusCode: 200, body: JSON.stringify({ data: pages.flatMap((page) => page.Items) }) };
      },
    };
  };
  const floors = { defaults: floorFor(false), tuned: floorFor(true) };

  /** µs per request over one batch of ITERATIONS requests. */
  async function batch(run: () => Promise<unknown>) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) await run();
    return Number(process.hrtime.bigint() - start) / 1e3 / ITERATIONS;
  }

  const targets = { create: 1.25, get: 1.15, list: 1.15 };
  // Hono's Lambda adapter around a constant answer: the web-standard Request/Response layer alone.
  const constant = new Hono();
  constant.all("*", (c) => c.json({ id: "conn", object: "connection" }));
  const adapter = handle(constant) as (event: APIGatewayProxyEventV2) => Promise<unknown>;
  const measured: Record<string, { ours: Stats; floor: Stats; tuned: Stats; adapter: Stats }> = {};
  for (const name of ["create", "get", "list"] as const) {
    const runs = [
      () => connvault(cases[name]),
      () => floors.defaults[name](cases[name]),
      () => floors.tuned[name](cases[name]),
      () => adapter(cases[name]),
    ];
    for (const run of runs) await batch(run); // warm-up
    // Interleaved, rotating which goes first, so drift on a shared machine hits all three alike.
    const samples: number[][] = runs.map(() => []);
    for (let s = 0; s < SAMPLES; s++) {
      for (let k = 0; k < runs.length; k++) {
        const index = (s + k) % runs.length;
        samples[index]?.push(await batch(runs[index] as () => Promise<unknown>));
      }
    }
    const [ours, floor, tuned, alone] = samples.map(stats) as [Stats, Stats, Stats, Stats];
    measured[name] = { ours, floor, tuned, adapter: alone };
  }
  await stack.close();

  const table = markdownTable(
    [
      "request",
      "connvault `handle(app)`",
      "bare handler, SDK defaults (the floor)",
      "ratio",
      "bare handler, connvault's client settings",
      "ratio",
      "Hono's Lambda adapter alone",
    ],
    Object.entries(measured).map(([name, m]) => [
      name,
      range(m.ours, "µs"),
      range(m.floor, "µs"),
      (m.ours.median / m.floor.median).toFixed(2),
      range(m.tuned, "µs"),
      (m.ours.median / m.tuned.median).toFixed(2),
      range(m.adapter, "µs"),
    ]),
  );
  return {
    title: "Per-request overhead",
    details: `CPU per request of the real Lambda handler against a bare handler making the same SDK calls; AWS's answers
are HTTP responses recorded against the embedded backend and replayed at the request handler, at zero
latency, so both pay the SDK's own work (signing, serialization, retries' bookkeeping). ${SAMPLES} samples of
${ITERATIONS} requests each, interleaved; logging off (in production one JSON access line per request is
extra). The floor builds its clients with the SDK's defaults. The next columns set connvault's framework
and features apart, against a floor with connvault's client settings (middleware stacks resolved once, no
logger middleware); the last gives what Hono's Lambda adapter alone costs around a constant answer
(building the web-standard Request and Response).

${table}`,
    summary: (["create", "get", "list"] as const).map((name) => {
      const m = measured[name] as { ours: Stats; floor: Stats };
      return ratioRow(`CPU per request: ${name}`, m.ours, m.floor, "µs", targets[name]);
    }),
  };
}
