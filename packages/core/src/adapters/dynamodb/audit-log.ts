import type { ZodType } from "zod";
import type { AuditEntry, AuditLog } from "../../audit/audit-log.ts";
import { keys } from "./keys.ts";
import { parseItem, type Table } from "./table.ts";

/** One kind of audit entry: its `entity`, its sort-key prefix, its schema and when it happened. */
export interface AuditKind<T extends AuditEntry> {
  entity: string;
  prefix: string;
  schema: ZodType<T>;
  at: (entry: T) => string;
}

/** An audit trail in the organization's partition, sorted by time: `<prefix>#<at>#<id>`. */
export class DynamoAuditLog<T extends AuditEntry> implements AuditLog<T> {
  constructor(
    private readonly table: Table,
    private readonly kind: AuditKind<T>,
  ) {}

  async record(entry: T): Promise<void> {
    const { entity, prefix, at } = this.kind;
    await this.table.put(entity, keys.auditEntry(prefix, entry.organization_id, at(entry), entry.id), entry);
  }

  async list(organizationId: string, query: { connectionId?: string; limit: number; after?: string }) {
    const { pk, sk } = keys.auditEntry(this.kind.prefix, organizationId);
    const page = await this.table.query({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ...(query.connectionId
        ? {
            FilterExpression: "connection_id = :connection",
            ExpressionAttributeValues: { ":pk": pk, ":prefix": sk, ":connection": query.connectionId },
          }
        : { ExpressionAttributeValues: { ":pk": pk, ":prefix": sk } }),
      ScanIndexForward: false,
      Limit: query.limit,
      ...(query.after ? { ExclusiveStartKey: { pk, sk: query.after } } : {}),
    });
    const items = (page.Items ?? []).map((item) => parseItem(this.kind.schema, item));
    return { items, last: page.LastEvaluatedKey ? String(page.LastEvaluatedKey.sk) : null };
  }
}
