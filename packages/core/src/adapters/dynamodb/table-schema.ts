/**
 * The table's key attributes and index, in one dependency-free module shared by the DynamoDB
 * adapters, the local table creation and the SST storage stack.
 */
export const TABLE_SCHEMA = {
  partitionKey: "pk",
  sortKey: "sk",
  gsi1: { name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
  /** Epoch seconds after which DynamoDB may remove an item; reads never rely on it. */
  ttlAttribute: "expires_at",
} as const;
