import { type AttributeValue, ScanCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { dynamoClient } from "./aws.ts";
import { createOrganization, type Harness, json } from "./harness.ts";

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

/** The table item of a new connection (in a new organization), as the stream's images carry it. */
export async function connectionItem(h: Harness): Promise<Item> {
  const org = await createOrganization(h);
  const created = await json<{ id: string }>(
    await h.request("POST", "/v1/connectors/open-meteo/connections", {
      key: org.adminKey,
      body: { name: "m" },
    }),
  );
  const scan = await dynamoClient(h.edge.url).send(new ScanCommand({ TableName: "connvault-test" }));
  const item = scan.Items?.find((i) => i.id?.S === created.id);
  if (!item) throw new Error("the connection's item is not in the table");
  return item;
}
