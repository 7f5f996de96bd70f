import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { DynamoDBRecord } from "aws-lambda";
import { decodeDeadLetter } from "./dead-letters.ts";
import { PermanentRecordError } from "./events.ts";

export interface ReplaySummary {
  replayed: number;
  /** Lambda's on-failure messages: shard coordinates only, nothing to rebuild an event from. */
  metadataOnly: number;
  /** Messages that hold no record, or whose record still cannot be published as it is. */
  unreplayable: number;
  /** Transient failures (publish or delete); the message stays in the queue for the next run. */
  failed: number;
}

export interface ReplayOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** The events function's own record publisher (createRecordPublisher), so event ids match. */
  publish: (record: DynamoDBRecord) => Promise<void>;
  /** One line per message that was not replayed. */
  report: (line: string) => void;
  /** How long a received message stays hidden from other receivers while this run handles it. */
  visibilitySeconds?: number;
}

/**
 * Drains the events DLQ onto the bus: each whole record is published again through the events
 * function's code path, and its message deleted only once published. Others are left in the queue.
 * Stops when a receive brings no message it has not seen.
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplaySummary> {
  const { sqs, queueUrl, visibilitySeconds = 300 } = options;
  const summary: ReplaySummary = { replayed: 0, metadataOnly: 0, unreplayable: 0, failed: 0 };
  const seen = new Set<string>();
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: 1,
      }),
    );
    const fresh = Messages.filter((m) => !seen.has(m.MessageId ?? ""));
    if (fresh.length === 0) return summary;
    for (const message of fresh) {
      seen.add(message.MessageId ?? "");
      summary[await replayOne(message, options)] += 1;
    }
  }
}

async function replayOne(message: Message, options: ReplayOptions): Promise<keyof ReplaySummary> {
  const { sqs, queueUrl, publish, report } = options;
  const letter = decodeDeadLetter(message.Body ?? "");
  if (letter.kind === "metadata") {
    const { shardId, startSequenceNumber, endSequenceNumber } = letter.batch;
    report(
      `${message.MessageId}: metadata only (${letter.condition ?? "no condition"}), shard ${shardId} sequence ${startSequenceNumber}–${endSequenceNumber}`,
    );
    return "metadataOnly";
  }
  if (letter.kind === "unknown") {
    report(`${message.MessageId}: not a stream record`);
    return "unreplayable";
  }
  try {
    await publish(letter.record);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    return "replayed";
  } catch (error) {
    report(`${message.MessageId}: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof PermanentRecordError ? "unreplayable" : "failed";
  }
}
