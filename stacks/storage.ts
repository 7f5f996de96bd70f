import { TABLE_SCHEMA } from "../packages/core/src/adapters/dynamodb/table-schema";

const { partitionKey, sortKey, gsi1, gsi2, ttlAttribute } = TABLE_SCHEMA;

/**
 * The single table. Its stream (new and old images) is the outbox the events function reads;
 * point-in-time recovery is always on, deletion protection in production.
 */
export const table = new sst.aws.Dynamo("Table", {
  fields: {
    [partitionKey]: "string",
    [sortKey]: "string",
    [gsi1.partitionKey]: "string",
    [gsi1.sortKey]: "string",
    [gsi2.partitionKey]: "string",
    [gsi2.sortKey]: "string",
  },
  primaryIndex: { hashKey: partitionKey, rangeKey: sortKey },
  globalIndexes: {
    [gsi1.name]: { hashKey: gsi1.partitionKey, rangeKey: gsi1.sortKey },
    [gsi2.name]: { hashKey: gsi2.partitionKey, rangeKey: gsi2.sortKey },
  },
  stream: "new-and-old-images",
  ttl: ttlAttribute,
  deletionProtection: $app.stage === "production",
  transform: {
    table: (args) => {
      args.pointInTimeRecovery = { enabled: true };
    },
  },
});

/** Exactly the DynamoDB actions the code calls, on the table and its index. */
export const tableAccess = {
  actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"],
  resources: [table.arn, $interpolate`${table.arn}/index/*`],
};
