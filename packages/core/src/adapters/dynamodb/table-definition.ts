import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { TABLE_SCHEMA } from "./table-schema.ts";

const { partitionKey, sortKey, gsi1, gsi2 } = TABLE_SCHEMA;
export const GSI1 = gsi1.name;
export const GSI2 = gsi2.name;

/** The table's shape for local use; the SST storage stack declares the same from TABLE_SCHEMA. */
export const tableDefinition = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  BillingMode: "PAY_PER_REQUEST",
  AttributeDefinitions: [
    partitionKey,
    sortKey,
    ...[gsi1, gsi2].flatMap((gsi) => [gsi.partitionKey, gsi.sortKey]),
  ].map((AttributeName) => ({ AttributeName, AttributeType: "S" })),
  KeySchema: [
    { AttributeName: partitionKey, KeyType: "HASH" },
    { AttributeName: sortKey, KeyType: "RANGE" },
  ],
  GlobalSecondaryIndexes: [gsi1, gsi2].map((gsi) => ({
    IndexName: gsi.name,
    KeySchema: [
      { AttributeName: gsi.partitionKey, KeyType: "HASH" },
      { AttributeName: gsi.sortKey, KeyType: "RANGE" },
    ],
    Projection: { ProjectionType: "ALL" },
  })),
});

/** Creates the table unless it exists, and waits until it is usable. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const existing = await client.send(new DescribeTableCommand({ TableName: tableName })).catch((error) => {
    if (error instanceof ResourceNotFoundException) return null;
    throw error;
  });
  if (existing) {
    const indexes = new Set(existing.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName));
    const missing = [gsi1, gsi2].filter((gsi) => !indexes.has(gsi.name)).map((gsi) => gsi.name);
    // dynalite cannot add an index to a table: say so at boot rather than fail on the first list.
    if (missing.length)
      throw new Error(`Table ${tableName} lacks ${missing.join(", ")}: recreate it (locally, remove .data/)`);
    return;
  }
  await client.send(new CreateTableCommand(tableDefinition(tableName)));
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
}
