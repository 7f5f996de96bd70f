import type { ConnectionPageQuery, ConnectionStore } from "../../connections/connection.store.ts";
import { ConnectionRecord } from "../../connections/connection.ts";
import { ConflictError } from "../../shared/errors.ts";
import { keys } from "./keys.ts";
import { parseItem, type Table } from "./table-client.ts";

export class DynamoConnectionStore implements ConnectionStore {
  constructor(private readonly table: Table) {}

  async create(record: ConnectionRecord): Promise<void> {
    const key = keys.connection(record.organization_id, record.id);
    if (!(await this.table.put("connection", key, record, "attribute_not_exists(pk)"))) {
      throw new ConflictError("connection_exists", `Connection ${record.id} exists`);
    }
  }

  get(organizationId: string, id: string): Promise<ConnectionRecord | null> {
    return this.table.get(ConnectionRecord, keys.connection(organizationId, id));
  }

  /**
   * Newest first. Without filters one Query of `limit + 1` items fills the page and tells whether
   * another exists; filters (and the personal-visibility rule) may need more Queries to fill it.
   */
  async list(query: ConnectionPageQuery): Promise<{ items: ConnectionRecord[]; hasMore: boolean }> {
    const { pk, skPrefix } = keys.connections(query.organizationId);
    const names: Record<string, string> = { "#owner": "owner", "#scope": "access_scope" };
    const values: Record<string, unknown> = { ":pk": pk, ":viewer": query.viewer, ":org": "organizational" };
    const conditions = ["(#scope = :org OR #owner = :viewer)"];
    for (const [field, value] of Object.entries(query.filters)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      conditions.push(`#${field} = :${field}`);
    }
    const items: ConnectionRecord[] = [];
    let start: Record<string, unknown> | undefined = query.after
      ? keys.connection(query.organizationId, query.after)
      : undefined;
    do {
      const page = await this.table.query({
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        FilterExpression: conditions.join(" AND "),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ...values, ":prefix": skPrefix },
        ScanIndexForward: false,
        Limit: query.limit + 1 - items.length,
        ExclusiveStartKey: start,
      });
      items.push(...(page.Items ?? []).map((item) => parseItem(ConnectionRecord, item)));
      start = page.LastEvaluatedKey;
    } while (start && items.length <= query.limit);
    return { items: items.slice(0, query.limit), hasMore: items.length > query.limit };
  }
}
