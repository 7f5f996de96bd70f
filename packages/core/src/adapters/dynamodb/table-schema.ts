/**
 * The table's key attributes and indexes, in one dependency-free module shared by the DynamoDB
 * adapters, the local table creation and the SST storage stack.
 */
export const TABLE_SCHEMA = {
  partitionKey: "pk",
  sortKey: "sk",
  gsi1: { name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
  /** Connections by visibility: organizational ones in one range, personal ones in one per owner. */
  gsi2: { name: "gsi2", partitionKey: "gsi2pk", sortKey: "gsi2sk" },
  /** Epoch seconds after which DynamoDB may remove an item; reads never rely on it. */
  ttlAttribute: "expires_at",
} as const;
