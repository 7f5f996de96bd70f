import { randomUUID } from "node:crypto";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { DynamoDBRecord } from "aws-lambda";

type Item = Record<string, unknown>;

export type StreamListener = (record: DynamoDBRecord) => Promise<void>;

const WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem"]);

/**
 * dynalite has no streams, so the edge stands in for the table's stream (NEW_AND_OLD_IMAGES): around
 * each single-item write it reads the item before and after, and hands a stream-shaped record to the
 * listener — the same events handler that runs on AWS. Records are delivered in write order.
 */
export class StreamStandIn {
  private listener: StreamListener | undefined;
  private chain: Promise<void> = Promise.resolve();
  private sequence = 0;
  private readonly keySchemas = new Map<string, string[]>();

  constructor(
    private readonly dynamoPort: number,
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  listen(listener: StreamListener): void {
    this.listener = listener;
  }

  /** Resolves once every record so far has been handled. */
  drain(): Promise<void> {
    return this.chain;
  }

  /** Whether this request should be wrapped (a single-item write while someone listens). */
  wraps(operation: string): boolean {
    return this.listener !== undefined && WRITES.has(operation);
  }

  /** Forwards a write to dynalite between two reads of its item, then queues the stream record. */
  async write(
    operation: string,
    body: Buffer,
    headers: IncomingHttpHeaders,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    const input = JSON.parse(body.toString("utf8")) as { TableName: string; Item?: Item; Key?: Item };
    const table = input.TableName;
    const key =
      operation === "PutItem" ? await this.keyOf(table, input.Item ?? {}, headers) : (input.Key ?? {});
    const before = await this.getItem(table, key, headers);
    const response = await this.call(operation, body, headers);
    if (response.status === 200) {
      const after = await this.getItem(table, key, headers);
      if (JSON.stringify(before) !== JSON.stringify(after)) this.emit(table, key, before, after);
    }
    return response;
  }

  private emit(table: string, key: Item, before: Item | undefined, after: Item | undefined): void {
    const listener = this.listener;
    if (!listener) return;
    const sequence = String(++this.sequence).padStart(21, "0");
    const record: DynamoDBRecord = {
      eventID: randomUUID().replaceAll("-", ""),
      eventName: !before ? "INSERT" : !after ? "REMOVE" : "MODIFY",
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: this.region,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: key as never,
        ...(after ? { NewImage: after as never } : {}),
        ...(before ? { OldImage: before as never } : {}),
        SequenceNumber: sequence,
        SizeBytes: Buffer.byteLength(JSON.stringify(after ?? before)),
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
      eventSourceARN: `arn:aws:dynamodb:${this.region}:${this.accountId}:table/${table}/stream/local`,
    };
    this.chain = this.chain.then(() => listener(record)).catch(() => undefined);
  }

  private async keyOf(table: string, item: Item, headers: IncomingHttpHeaders): Promise<Item> {
    let names = this.keySchemas.get(table);
    if (!names) {
      const described: { Table?: { KeySchema?: { AttributeName: string }[] } } = JSON.parse(
        (
          await this.call("DescribeTable", Buffer.from(JSON.stringify({ TableName: table })), headers)
        ).body.toString(),
      );
      names = (described.Table?.KeySchema ?? []).map((k) => k.AttributeName);
      this.keySchemas.set(table, names);
    }
    return Object.fromEntries(names.map((name) => [name, item[name]]));
  }

  private async getItem(table: string, key: Item, headers: IncomingHttpHeaders): Promise<Item | undefined> {
    const response = await this.call(
      "GetItem",
      Buffer.from(JSON.stringify({ TableName: table, Key: key, ConsistentRead: true })),
      headers,
    );
    return response.status === 200
      ? (JSON.parse(response.body.toString()) as { Item?: Item }).Item
      : undefined;
  }

  /** One request to dynalite, reusing the caller's (unverified) signature headers. */
  private call(
    operation: string,
    body: Buffer,
    headers: IncomingHttpHeaders,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port: this.dynamoPort,
          method: "POST",
          path: "/",
          headers: {
            ...headers,
            host: `127.0.0.1:${this.dynamoPort}`,
            "x-amz-target": `DynamoDB_20120810.${operation}`,
            "content-length": body.length,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }
}
