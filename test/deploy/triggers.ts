import { createHash, randomUUID } from "node:crypto";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Edge } from "@connvault/local";
import type { APIGatewayProxyResultV2, DynamoDBRecord, SQSBatchResponse, SQSRecord } from "aws-lambda";
import { httpApiEvent } from "../fixtures/api-gateway-v2.ts";
import type { Deployment, QueueFacts, StreamMapping } from "./deployment.ts";
import type { Authorization } from "./iam-proxy.ts";
import type { LambdaProcess } from "./lambda.ts";

// The event sources, configured as the synth configures them: the HTTP API's routes and throttles, the
// table's stream mapping and the provisioning queue's mapping. Waits that AWS measures in seconds or
// minutes (visibility timeouts, retry back-off) pass at once; counts, sizes and order are kept.

type ByArn = (arn: string) => LambdaProcess;

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** The Set-Cookie values (payload 2.0 returns them apart from the headers). */
  cookies: string[];
  body: string;
  /** The route key API Gateway selected, and the function it invoked. */
  routeKey: string;
  function: string;
}

/** An HTTP API (payload format 2.0) stage: route selection, per-route throttles, Lambda proxy integrations. */
export class ApiGateway {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly routes;
  readonly host: string;

  constructor(
    private readonly d: Deployment,
    private readonly byArn: ByArn,
  ) {
    const api = d.synth.resources.find((r) => r.type === "aws:apigatewayv2/api:Api");
    this.host = new URL(api?.outputs.apiEndpoint ?? "https://api.invalid").host;
    // The most specific route wins: more literal segments first, a greedy path variable last.
    this.routes = d.routes
      .filter((r) => r.routeKey !== "$default")
      .map((route) => {
        const [method = "", path = ""] = route.routeKey.split(" ");
        const segments = path.split("/").filter(Boolean);
        const pattern = segments
          .map((s) => s.replace(/^\{(\w+)\+\}$/, "(?<$1>.+)").replace(/^\{(\w+)\}$/, "(?<$1>[^/]+)"))
          .join("/");
        const literals = segments.filter((s) => !s.startsWith("{")).length;
        return {
          route,
          method,
          regex: new RegExp(`^/${pattern}$`),
          score: literals * 2 - (path.includes("+}") ? 1 : 0),
        };
      })
      .sort((a, b) => b.score - a.score);
  }

  /** The route API Gateway selects for a request, with its path parameters. */
  select(method: string, path: string) {
    for (const { route, method: m, regex } of this.routes) {
      const match = regex.exec(path);
      if (match && (m === method || m === "ANY")) return { route, pathParameters: { ...match.groups } };
    }
    const fallback = this.d.routes.find((r) => r.routeKey === "$default");
    return fallback ? { route: fallback, pathParameters: {} } : undefined;
  }

  /** Token buckets per route: the route's own settings, else the stage's default. */
  private admit(routeKey: string): boolean {
    const { rate, burst } = this.d.stage.routeThrottles[routeKey] ?? this.d.stage.defaultThrottle;
    const now = Date.now();
    const bucket = this.buckets.get(routeKey) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    this.buckets.set(routeKey, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  async request(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: unknown; query?: string } = {},
  ): Promise<HttpResponse> {
    const selected = this.select(method, path);
    if (!selected)
      return {
        status: 404,
        headers: {},
        cookies: [],
        body: '{"message":"Not Found"}',
        routeKey: "",
        function: "",
      };
    const { routeKey } = selected.route;
    const target = this.byArn(selected.route.functionArn);
    const answer = (
      status: number,
      body: string,
      headers: Record<string, string> = {},
      cookies: string[] = [],
    ) => ({
      status,
      headers,
      cookies,
      body,
      routeKey,
      function: target.fn.id,
    });
    if (!this.admit(routeKey)) return answer(429, '{"message":"Too Many Requests"}');
    const body =
      options.body === undefined || typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
    // Payload 2.0 carries the request's cookies apart from its headers, as `cookies`.
    const { cookie, ...headers } = Object.fromEntries(
      Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const event = httpApiEvent(method, path, {
      ...(options.query ? { query: options.query } : {}),
      ...(body !== undefined ? { body } : {}),
      headers: {
        host: this.host,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
    });
    if (cookie) event.cookies = cookie.split(/;\s*/);
    const account = this.d.kmsKey.arn.split(":")[4] ?? "";
    const full = {
      ...event,
      routeKey,
      ...(Object.keys(selected.pathParameters).length ? { pathParameters: selected.pathParameters } : {}),
      requestContext: {
        ...event.requestContext,
        routeKey,
        accountId: account,
        apiId: this.host.split(".")[0] ?? "",
        domainName: this.host,
        domainPrefix: this.host.split(".")[0] ?? "",
      },
    };
    let result: APIGatewayProxyResultV2;
    try {
      result = await target.invoke<APIGatewayProxyResultV2>(full);
    } catch {
      return answer(500, '{"message":"Internal Server Error"}');
    }
    // Payload 2.0: a result without statusCode is a 200 with the result as its JSON body.
    if (typeof result !== "object" || result === null || !("statusCode" in result)) {
      return answer(200, JSON.stringify(result), { "content-type": "application/json" });
    }
    const text = result.isBase64Encoded
      ? Buffer.from(result.body ?? "", "base64").toString()
      : (result.body ?? "");
    return answer(
      result.statusCode ?? 200,
      text,
      (result.headers ?? {}) as Record<string, string>,
      result.cookies ?? [],
    );
  }
}

/** What Lambda sends an on-failure destination for a stream batch: its coordinates, not its records. */
const streamFailure = (
  mapping: StreamMapping,
  batch: DynamoDBRecord[],
  condition: string,
  invokeCount: number,
) => ({
  requestContext: {
    requestId: randomUUID(),
    functionArn: mapping.functionArn,
    condition,
    approximateInvokeCount: invokeCount,
  },
  responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
  version: "1.0",
  timestamp: new Date().toISOString(),
  DDBStreamBatchInfo: {
    shardId: "shardId-00000001700000000000-00000001",
    startSequenceNumber: batch[0]?.dynamodb?.SequenceNumber,
    endSequenceNumber: batch.at(-1)?.dynamodb?.SequenceNumber,
    approximateArrivalOfFirstRecord: new Date(
      (batch[0]?.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000,
    ).toISOString(),
    approximateArrivalOfLastRecord: new Date(
      (batch.at(-1)?.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000,
    ).toISOString(),
    batchSize: batch.length,
    streamArn: mapping.eventSourceArn,
  },
});

/**
 * Stream retries back off over minutes. After this many failed attempts at one batch, the simulation takes
 * every later attempt to fail alike and jumps to the mapping's limit: its maximum record age when set (the
 * retries take that long), else its retry limit; with neither, the shard is blocked and that is an error.
 */
const FAST_FORWARD_AFTER = 20;

/**
 * The table stream's event source mapping, on one shard: batches of up to `batchSize` records in order;
 * with ReportBatchItemFailures the batch is checkpointed before the first failed record and retried from
 * there; a function error bisects the batch (if set) or retries it; past the retry or age limit the batch
 * goes to the on-failure destination and the shard moves on.
 */
export class StreamPoller {
  private readonly pending: DynamoDBRecord[] = [];
  private running: Promise<void> = Promise.resolve();
  readonly mapping: StreamMapping;
  /** The size of every batch the events function was invoked with. */
  readonly batches: number[] = [];
  /** Every record the events function was invoked with, as it was given (once per attempt). */
  readonly delivered: DynamoDBRecord[] = [];

  constructor(
    d: Deployment,
    private readonly edge: Edge,
    private readonly byArn: ByArn,
    private readonly sqs: SQSClient,
    private readonly queueUrl: (arn: string) => string,
    /** Checks a call the Lambda service makes with the function's role (the on-failure destination). */
    private readonly authorize: (auth: Authorization) => Promise<void>,
  ) {
    const mapping = d.streamMappings[0];
    if (!mapping) throw new Error("the synth has no DynamoDB stream event source mapping");
    this.mapping = mapping;
  }

  private paused = false;

  push(record: DynamoDBRecord): void {
    this.pending.push({ ...record, eventSourceARN: this.mapping.eventSourceArn });
    if (!this.paused) this.running = this.running.then(() => this.pump());
  }

  /** Holds records back (a busy consumer), so the next invocation gets them as one batch. */
  pause(): void {
    this.paused = true;
  }

  /**
   * Makes the held records `seconds` older, standing for a shard held up that long: Lambda delivers a
   * record with the ApproximateCreationDateTime of its change, and the minutes it waited pass at once here.
   */
  age(seconds: number): void {
    for (const [index, record] of this.pending.entries()) {
      const created = record.dynamodb?.ApproximateCreationDateTime ?? Date.now() / 1000;
      this.pending[index] = {
        ...record,
        dynamodb: { ...record.dynamodb, ApproximateCreationDateTime: created - seconds },
      };
    }
  }

  resume(): void {
    this.paused = false;
    this.running = this.running.then(() => this.pump());
  }

  /** Resolves once every write so far has been delivered (or sent to the on-failure destination). */
  async drain(): Promise<void> {
    await this.edge.stream.drain();
    await this.running;
  }

  private async pump(): Promise<void> {
    const { batchSize, maximumRetryAttempts, maximumRecordAgeInSeconds, bisectBatchOnFunctionError } =
      this.mapping;
    let size = batchSize;
    let attempts = 0;
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, size);
      const age = Date.now() / 1000 - (batch[0]?.dynamodb?.ApproximateCreationDateTime ?? 0);
      if (maximumRecordAgeInSeconds >= 0 && age > maximumRecordAgeInSeconds) {
        await this.giveUp(batch, "RecordAgeExceeded", attempts);
        continue;
      }
      this.batches.push(batch.length);
      this.delivered.push(...batch);
      let failedAt = -1;
      try {
        const result = await this.byArn(this.mapping.functionArn).invoke<SQSBatchResponse | null>({
          Records: batch,
        });
        const failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        if (this.mapping.reportBatchItemFailures && failed.size > 0)
          failedAt = batch.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ""));
      } catch {
        if (bisectBatchOnFunctionError && size > 1) {
          size = Math.ceil(size / 2);
          continue;
        }
        failedAt = 0;
      }
      if (failedAt < 0) {
        this.pending.splice(0, batch.length);
        size = batchSize;
        attempts = 0;
        continue;
      }
      this.pending.splice(0, failedAt);
      attempts += 1;
      const exhausted = maximumRetryAttempts >= 0 && attempts > maximumRetryAttempts;
      if (!exhausted && attempts < FAST_FORWARD_AFTER) continue;
      if (!exhausted && maximumRetryAttempts < 0 && maximumRecordAgeInSeconds < 0) {
        throw new Error(
          `the stream is blocked: record ${batch[failedAt]?.dynamodb?.SequenceNumber} failed ${attempts} times, and the mapping retries it until it expires from the stream (24 h), unpublished`,
        );
      }
      const condition =
        exhausted || maximumRecordAgeInSeconds < 0 ? "RetryAttemptsExhausted" : "RecordAgeExceeded";
      await this.giveUp(batch.slice(failedAt), condition, attempts);
      attempts = 0;
    }
  }

  private async giveUp(batch: DynamoDBRecord[], condition: string, attempts: number): Promise<void> {
    this.pending.splice(0, batch.length);
    const destination = this.mapping.onFailureArn;
    if (!destination) return;
    await this.authorize({ action: "sqs:SendMessage", resource: destination, context: {} });
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl(destination),
        MessageBody: JSON.stringify(streamFailure(this.mapping, batch, condition, attempts)),
      }),
    );
  }
}

/**
 * An SQS event source mapping: receives up to `batchSize` messages with the queue's visibility timeout,
 * deletes those the function did not report as failed, and makes the failed ones visible again at once
 * (standing for the timeout's expiry), so the queue's redrive policy moves a message received
 * `maxReceiveCount` times to its dead-letter queue.
 */
export class QueuePoller {
  readonly queue: QueueFacts;
  /** The messageIds of every batch the function was invoked with. */
  readonly batches: string[][] = [];

  constructor(
    d: Deployment,
    private readonly mapping: Deployment["queueMappings"][number],
    private readonly byArn: ByArn,
    private readonly sqs: SQSClient,
    private readonly queueUrl: (arn: string) => string,
  ) {
    const queue = d.queues.find((q) => q.arn === mapping.eventSourceArn);
    if (!queue) throw new Error(`no queue ${mapping.eventSourceArn} in the synth`);
    this.queue = queue;
  }

  /** Sends messages as a producer would (with its own credentials, not a function's). */
  async send(bodies: string[]): Promise<void> {
    for (const body of bodies)
      await this.sqs.send(
        new SendMessageCommand({ QueueUrl: this.queueUrl(this.queue.arn), MessageBody: body }),
      );
  }

  /** Polls until the queue hands out nothing more. */
  async drain(): Promise<void> {
    const QueueUrl = this.queueUrl(this.queue.arn);
    for (;;) {
      const { Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: this.mapping.batchSize,
          VisibilityTimeout: this.queue.visibilityTimeoutSeconds,
          MessageSystemAttributeNames: ["All"],
        }),
      );
      if (Messages.length === 0) return;
      const records: SQSRecord[] = Messages.map((m) => ({
        messageId: m.MessageId ?? "",
        receiptHandle: m.ReceiptHandle ?? "",
        body: m.Body ?? "",
        attributes: m.Attributes as SQSRecord["attributes"],
        messageAttributes: {},
        md5OfBody: createHash("md5")
          .update(m.Body ?? "")
          .digest("hex"),
        eventSource: "aws:sqs",
        eventSourceARN: this.queue.arn,
        awsRegion: this.queue.arn.split(":")[3] ?? "",
      }));
      this.batches.push(records.map((r) => r.messageId));
      let failed: Set<string>;
      try {
        const result = await this.byArn(this.mapping.functionArn).invoke<SQSBatchResponse | null>({
          Records: records,
        });
        failed = new Set(
          this.mapping.reportBatchItemFailures
            ? (result?.batchItemFailures ?? []).map((f) => f.itemIdentifier)
            : [],
        );
      } catch {
        failed = new Set(records.map((r) => r.messageId));
      }
      for (const record of records) {
        const ReceiptHandle = record.receiptHandle;
        if (failed.has(record.messageId))
          await this.sqs.send(
            new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle, VisibilityTimeout: 0 }),
          );
        else await this.sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle }));
      }
    }
  }
}
