import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";

type Item = Record<string, AttributeValue>;

export interface StreamRecordOptions {
  /** The item after the change; absent for a REMOVE. */
  newImage?: Item;
  /** The item before the change; absent for an INSERT. */
  oldImage?: Item;
  /** When the change happened, in milliseconds since the epoch (the record keeps seconds). */
  createdAt?: number;
}

/** A DynamoDB stream record (NEW_AND_OLD_IMAGES) as Lambda delivers it from the table's stream. */
export function streamRecord(sequence: string, options: StreamRecordOptions): DynamoDBRecord {
  const { newImage, oldImage, createdAt = Date.now() } = options;
  const item = newImage ?? oldImage ?? {};
  return {
    eventID: `e-${sequence}`,
    eventName: !oldImage ? "INSERT" : !newImage ? "REMOVE" : "MODIFY",
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: "us-east-1",
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(createdAt / 1000),
      Keys: { pk: item.pk, sk: item.sk } as never,
      ...(newImage ? { NewImage: newImage as never } : {}),
      ...(oldImage ? { OldImage: oldImage as never } : {}),
      SequenceNumber: sequence,
      SizeBytes: Buffer.byteLength(JSON.stringify(item)),
      StreamViewType: "NEW_AND_OLD_IMAGES",
    },
    eventSourceARN:
      "arn:aws:dynamodb:us-east-1:123456789012:table/connvault-test/stream/2026-11-21T00:00:00.000",
  };
}
