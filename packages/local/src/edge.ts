import { mkdirSync } from "node:fs";
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import dynalite from "dynalite";
import { type AwsJsonResponse, AwsServiceError, toErrorResponse } from "./aws-json.ts";
import { EventSink } from "./event-sink.ts";
import { SecretsManagerEmulator } from "./secrets-manager/emulator.ts";
import { SqsEmulator } from "./sqs.ts";
import { StreamStandIn } from "./stream.ts";

export const LOCAL_REGION = "us-east-1";
export const LOCAL_ACCOUNT_ID = "000000000000";
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface EdgeOptions {
  /** Loopback port; 0 picks a free one. */
  port?: number;
  /** Where to persist DynamoDB, secrets and events; in memory when absent. */
  dataDir?: string;
}

export interface Edge {
  url: string;
  port: number;
  secrets: SecretsManagerEmulator;
  events: EventSink;
  sqs: SqsEmulator;
  /** The table stream's stand-in: register the events handler on it. */
  stream: StreamStandIn;
  close(): Promise<void>;
}

type JsonService = { handle(operation: string, input: never): AwsJsonResponse };

/**
 * The embedded AWS endpoint: one loopback port that routes AWS JSON requests by `X-Amz-Target`
 * to an in-process dynalite (DynamoDB), connvault's Secrets Manager emulator, an EventBridge sink
 * and an in-memory SQS.
 */
export async function startEdge(options: EdgeOptions = {}): Promise<Edge> {
  const { dataDir } = options;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const dynamo: Server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(dataDir ? { path: join(dataDir, "dynamodb") } : {}),
  });
  await listen(dynamo, 0);
  const dynamoHandler = dynamo.listeners("request")[0] as RequestListener;
  const stream = new StreamStandIn((dynamo.address() as AddressInfo).port, LOCAL_REGION, LOCAL_ACCOUNT_ID);
  const secrets = new SecretsManagerEmulator({
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    ...(dataDir ? { file: join(dataDir, "secrets.json") } : {}),
  });
  const events = new EventSink(dataDir ? join(dataDir, "events.jsonl") : undefined);
  let url = "";
  const sqs = new SqsEmulator({ region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID, baseUrl: () => url });
  const services: Record<string, JsonService> = {
    secretsmanager: secrets,
    AWSEvents: events,
    AmazonSQS: sqs,
  };

  const server = createServer((req, res) => {
    const target = String(req.headers["x-amz-target"] ?? "");
    const [prefix = "", operation = ""] = target.split(".");
    if (target.startsWith("DynamoDB_")) {
      if (!stream.wraps(operation)) return dynamoHandler(req, res);
      readBody(req)
        .then((body) => stream.write(operation, body, req.headers))
        .then((response) => {
          res.writeHead(response.status, response.headers);
          res.end(response.body);
        })
        .catch(() =>
          send(res, toErrorResponse(new AwsServiceError("InternalServerError", "edge failure", 500))),
        );
      return;
    }
    const service = services[prefix];
    readJson(req)
      .then((input) => {
        if (!service) throw new AwsServiceError("UnknownOperationException", `Unknown target ${target}`);
        return service.handle(operation, input as never);
      })
      .catch((error: unknown) => {
        if (error instanceof AwsServiceError) return toErrorResponse(error);
        return toErrorResponse(new AwsServiceError("InternalServiceError", String(error), 500));
      })
      .then((response) => send(res, response));
  });
  await listen(server, options.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    secrets,
    events,
    sqs,
    stream,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await new Promise((resolve) => dynamo.close(resolve));
      secrets.flush();
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new AwsServiceError("RequestEntityTooLargeException", "Request too large", 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString("utf8");
  if (text === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new AwsServiceError("SerializationException", "Request body is not valid JSON");
  }
}

function send(res: ServerResponse, { status, body }: AwsJsonResponse): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.1",
    "content-length": Buffer.byteLength(payload),
    "x-amzn-requestid": crypto.randomUUID(),
  });
  res.end(payload);
}
