import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { ConnectionRecord, connectionEventType, deterministicId } from "@connvault/core";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { toConnectionDto } from "../api/routes/connections/schema.ts";
import type { Services } from "../composition.ts";

type Image = Record<string, AttributeValue> | undefined;

/**
 * The events function: the table's stream is the outbox. Each connection item change becomes one
 * `connection.*` event with the public connection; a record whose event cannot be published is
 * reported as a batch item failure, so Lambda retries from it and no event is lost. The event id
 * comes from the stream record, so a retried record publishes the same event_id (dedupe on it).
 */
export function createEventsHandler(services: Services) {
  const pageUrl = (record: ConnectionRecord) =>
    services.oauth.pageUrl(record, services.config.publicUrl ?? "");
  const connectionOf = (image: Image) => {
    if (!image) return null;
    const item = unmarshall(image as never);
    return item.entity === "connection" ? ConnectionRecord.parse(item) : null;
  };

  const publishRecord = async (record: DynamoDBRecord) => {
    const before = connectionOf(record.dynamodb?.OldImage as Image);
    const after = connectionOf(record.dynamodb?.NewImage as Image);
    const type = connectionEventType(before, after);
    const connection = after ?? before;
    if (!type || !connection) return;
    const seconds = record.dynamodb?.ApproximateCreationDateTime;
    await services.events.publish([
      {
        type,
        detail: {
          event_id: deterministicId("evt", record.eventID ?? "", record.dynamodb?.SequenceNumber ?? ""),
          occurred_at:
            after?.updated_at ??
            (seconds ? new Date(seconds * 1000).toISOString() : new Date().toISOString()),
          organization_id: connection.organization_id,
          actor: after ? after.last_change.actor : null,
          connection: toConnectionDto(connection, pageUrl),
        },
      },
    ]);
  };

  return (event: DynamoDBStreamEvent) =>
    processPartialResponse(event, publishRecord, new BatchProcessor(EventType.DynamoDBStreams), {
      processInParallel: false,
    });
}
