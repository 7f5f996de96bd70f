import { gunzipSync, gzipSync } from "node:zlib";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBRecord } from "aws-lambda";
import { awsClient, awsClientSettings } from "../composition.ts";
import type { Config } from "../config.ts";

/** Why a record went to the DLQ instead of onto the bus. */
export type DeadLetterReason = "unparseable" | "too_large" | "rejected" | "expired";

const KIND = "connvault.events.stream_record";
/** SQS's smallest maximum message size: a larger message carries its record gzipped. */
const MAX_PLAIN_BYTES = 262_144;

/** The batch a Lambda on-failure destination describes: shard coordinates only, no record. */
export interface StreamBatchInfo {
  shardId?: string;
  startSequenceNumber?: string;
  endSequenceNumber?: string;
  batchSize?: number;
  streamArn?: string;
}

export type DeadLetter =
  | { kind: "record"; record: DynamoDBRecord; reason: DeadLetterReason }
  | { kind: "metadata"; batch: StreamBatchInfo; condition?: string }
  | { kind: "unknown" };

/** A DLQ message body: the whole stream record (images included), why it is there, and the error. */
export function encodeDeadLetter(record: DynamoDBRecord, reason: DeadLetterReason, error: string): string {
  const head = { kind: KIND, reason, error, sequence_number: record.dynamodb?.SequenceNumber };
  const plain = JSON.stringify({ ...head, record });
  if (Buffer.byteLength(plain) <= MAX_PLAIN_BYTES) return plain;
  return JSON.stringify({ ...head, record_gzip: gzipSync(JSON.stringify(record)).toString("base64") });
}

/** Reads a DLQ message: one the events function sent, one Lambda's on-failure destination sent, or neither. */
export function decodeDeadLetter(body: string): DeadLetter {
  try {
    const message = JSON.parse(body) as {
      kind?: string;
      reason?: DeadLetterReason;
      record?: DynamoDBRecord;
      record_gzip?: string;
      DDBStreamBatchInfo?: StreamBatchInfo;
      requestContext?: { condition?: string };
    };
    if (message?.DDBStreamBatchInfo) {
      const condition = message.requestContext?.condition;
      return { kind: "metadata", batch: message.DDBStreamBatchInfo, ...(condition ? { condition } : {}) };
    }
    const record = message?.record_gzip
      ? (JSON.parse(gunzipSync(Buffer.from(message.record_gzip, "base64")).toString()) as DynamoDBRecord)
      : message?.record;
    if (message?.kind !== KIND || !message.reason || !record?.dynamodb) return { kind: "unknown" };
    return { kind: "record", record, reason: message.reason };
  } catch {
    return { kind: "unknown" };
  }
}

/** The events DLQ, for the records the events function gives up on. */
export class SqsDeadLetterQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(record: DynamoDBRecord, reason: DeadLetterReason, error: string): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: encodeDeadLetter(record, reason, error),
      }),
    );
  }
}

/** The SQS client of the events function and the replay (only they send to or read the DLQ). */
export const sqsClient = (config: Config): SQSClient => awsClient(SQSClient, awsClientSettings(config));
