import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import {
  type ConnectionEvent,
  ConnectionRecord,
  connectionEventType,
  deterministicId,
  EVENT_SOURCE,
} from "@connvault/core";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import type { EventsServices } from "../composition.ts";
import { toConnectionDto } from "../connection-view.ts";
import type { DeadLetterReason, SqsDeadLetterQueue } from "./dead-letters.ts";

type Image = Record<string, AttributeValue> | undefined;

/** EventBridge's limit on one PutEvents entry, as it counts it (Time 14 bytes + Source + DetailType + Detail). */
const MAX_ENTRY_BYTES = 262_144;
const DEFAULT_MAX_RECORD_AGE_MS = 15 * 60_000;

/** A record that can never be published as it is: retrying it would only hold up its shard. */
export class PermanentRecordError extends Error {
  constructor(
    readonly reason: Exclude<DeadLetterReason, "expired">,
    message: string,
  ) {
    super(message);
  }
}

export interface EventsOptions {
  /** Where records that cannot be published go, whole. Without one they are only reported as failed. */
  deadLetters?: Pick<SqsDeadLetterQueue, "send">;
  /** A record that still fails this long after its change (`ApproximateCreationDateTime`) goes to the DLQ. */
  maxRecordAgeMs?: number;
  now?: () => number;
}

/**
 * Turns one stream record into its `connection.*` event and publishes it; the events function and
 * the DLQ replay share it, so a replayed record carries the same event_id. Throws
 * PermanentRecordError when the record can never be published (its item does not parse, the event
 * is over EventBridge's entry limit or EventBridge rejects it as invalid); anything else is transient.
 */
export function createRecordPublisher(services: EventsServices): (record: DynamoDBRecord) => Promise<void> {
  const connectionOf = (image: Image) => {
    if (!image) return null;
    const item = unmarshall(image as never);
    return item.entity === "connection" ? ConnectionRecord.parse(item) : null;
  };
  const imagesOf = (record: DynamoDBRecord) => {
    try {
      return [
        connectionOf(record.dynamodb?.OldImage as Image),
        connectionOf(record.dynamodb?.NewImage as Image),
      ] as const;
    } catch (error) {
      throw new PermanentRecordError(
        "unparseable",
        `The record's item is not a connection: ${messageOf(error)}`,
      );
    }
  };

  const eventOf = (record: DynamoDBRecord): ConnectionEvent | null => {
    const [before, after] = imagesOf(record);
    const type = connectionEventType(before, after);
    const connection = after ?? before;
    if (!type || !connection) return null;
    const seconds = record.dynamodb?.ApproximateCreationDateTime;
    return {
      type,
      detail: {
        event_id: deterministicId("evt", record.eventID ?? "", record.dynamodb?.SequenceNumber ?? ""),
        occurred_at:
          after?.updated_at ?? (seconds ? new Date(seconds * 1000).toISOString() : new Date().toISOString()),
        organization_id: connection.organization_id,
        actor: after ? after.last_change.actor : null,
        // A page link lets whoever holds it authorize the connection: events never carry one.
        connection: toConnectionDto(connection, () => null),
      },
    };
  };

  return async (record) => {
    const event = eventOf(record);
    if (!event) return;
    const bytes = 14 + Buffer.byteLength(EVENT_SOURCE + event.type + JSON.stringify(event.detail));
    if (bytes > MAX_ENTRY_BYTES) {
      throw new PermanentRecordError(
        "too_large",
        `The event is ${bytes} bytes, over EventBridge's ${MAX_ENTRY_BYTES}`,
      );
    }
    try {
      await services.events.publish([event]);
    } catch (error) {
      if ((error as Error).name !== "ValidationException") throw error;
      throw new PermanentRecordError("rejected", `EventBridge rejected the event: ${messageOf(error)}`);
    }
  };
}

/**
 * The events function: the table's stream is the outbox. Records are handled in stream order; at the
 * first that fails transiently, it and every later record are reported as batch item failures
 * unpublished, and Lambda resumes from it, so the shard's order holds. A record that fails
 * permanently, or still fails past `maxRecordAgeMs`, goes whole to the DLQ and counts as handled.
 */
export function createEventsHandler(services: EventsServices, options: EventsOptions = {}) {
  const { deadLetters, maxRecordAgeMs = DEFAULT_MAX_RECORD_AGE_MS, now = Date.now } = options;
  const publish = createRecordPublisher(services);

  const reasonToGiveUp = (record: DynamoDBRecord, error: unknown): DeadLetterReason | null => {
    if (error instanceof PermanentRecordError) return error.reason;
    const seconds = record.dynamodb?.ApproximateCreationDateTime;
    return seconds !== undefined && now() - seconds * 1000 > maxRecordAgeMs ? "expired" : null;
  };

  const handled = async (record: DynamoDBRecord): Promise<boolean> => {
    try {
      await publish(record);
      return true;
    } catch (error) {
      const reason = reasonToGiveUp(record, error);
      const sequence = record.dynamodb?.SequenceNumber;
      services.logger.warn("stream record not published", { sequence, reason, error: messageOf(error) });
      if (!reason || !deadLetters) return false;
      try {
        await deadLetters.send(record, reason, messageOf(error));
        return true;
      } catch (failure) {
        services.logger.error("stream record not sent to the DLQ", { sequence, error: messageOf(failure) });
        return false;
      }
    }
  };

  // A plain loop, not Powertools' BatchProcessor: its processors go on past a failed record, and
  // those later records, published now, would be published again after the failed one on retry.
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const records = event.Records;
    for (const [index, record] of records.entries()) {
      if (await handled(record)) continue;
      const rest = records.slice(index);
      return { batchItemFailures: rest.map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? "" })) };
    }
    return { batchItemFailures: [] };
  };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
