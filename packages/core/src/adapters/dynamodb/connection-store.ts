import type { AccessRule } from "../../connections/access.ts";
import type { ConnectionPageQuery, ConnectionStore } from "../../connections/connection.store.ts";
import { ConnectionRecord } from "../../connections/connection.ts";
import { keys } from "./keys.ts";
import { GSI1 } from "./table.ts";
import { type Condition, NOT_EXISTS, parseItem, type Table } from "./table-client.ts";

/** The AccessRule as a condition: the caller's own connections, plus organizational ones if allowed. */
function accessCondition(rule: AccessRule): Condition {
  return rule.organizational
    ? {
        expression: "(#owner = :viewer OR #scope = :organizational)",
        names: { "#owner": "owner", "#scope": "access_scope" },
        values: { ":viewer": rule.owner, ":organizational": "organizational" },
      }
    : { expression: "#owner = :viewer", names: { "#owner": "owner" }, values: { ":viewer": rule.owner } };
}

export class DynamoConnectionStore implements ConnectionStore {
  constructor(private readonly table: Table) {}

  create(record: ConnectionRecord): Promise<boolean> {
    return this.table.put("connection", this.itemKeys(record), record, NOT_EXISTS);
  }

  get(organizationId: string, id: string): Promise<ConnectionRecord | null> {
    return this.table.get(ConnectionRecord, keys.connection(organizationId, id));
  }

  replace(record: ConnectionRecord, expectedRevision: number): Promise<boolean> {
    return this.table.put("connection", this.itemKeys(record), record, {
      expression: "#revision = :expected",
      names: { "#revision": "revision" },
      values: { ":expected": expectedRevision },
    });
  }

  delete(organizationId: string, id: string, rule: AccessRule): Promise<ConnectionRecord | null> {
    const access = accessCondition(rule);
    return this.table.delete(ConnectionRecord, keys.connection(organizationId, id), {
      ...access,
      expression: `attribute_exists(pk) AND ${access.expression}`,
    });
  }

  /**
   * Newest first, from GSI1. Without filters one Query of `limit + 1` items fills the page and tells
   * whether another exists; filters (and the visibility rule) may need more Queries to fill it.
   */
  async list(query: ConnectionPageQuery): Promise<{ items: ConnectionRecord[]; hasMore: boolean }> {
    const access = accessCondition(query.rule);
    const names: Record<string, string> = { ...access.names };
    const values: Record<string, unknown> = { ...access.values };
    const conditions = [access.expression];
    for (const [field, value] of Object.entries(query.filters)) {
      if (value === undefined) continue;
      names[`#f_${field}`] = field;
      values[`:f_${field}`] = value;
      conditions.push(`#f_${field} = :f_${field}`);
    }
    const index = keys.connectionIndex(query.organizationId);
    const items: ConnectionRecord[] = [];
    let start: Record<string, unknown> | undefined = query.after
      ? {
          ...keys.connection(query.organizationId, query.after.id),
          ...keys.connectionIndex(query.organizationId, query.after),
        }
      : undefined;
    do {
      const page = await this.table.query({
        IndexName: GSI1,
        KeyConditionExpression: "gsi1pk = :gsi1pk",
        FilterExpression: conditions.join(" AND "),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ...values, ":gsi1pk": index.gsi1pk },
        ScanIndexForward: false,
        Limit: query.limit + 1 - items.length,
        ExclusiveStartKey: start,
      });
      items.push(...(page.Items ?? []).map((item) => parseItem(ConnectionRecord, item)));
      start = page.LastEvaluatedKey;
    } while (start && items.length <= query.limit);
    return { items: items.slice(0, query.limit), hasMore: items.length > query.limit };
  }

  /**
   * Scans GSI1, which holds connections and API keys only (not the credential-read audit trail), so
   * a page costs about what it returns. `limit` bounds the items the Scan evaluates.
   */
  async scanConnections(
    cursor: string | null,
    limit: number,
  ): Promise<{ items: ConnectionRecord[]; cursor: string | null }> {
    const page = await this.table.scan({
      IndexName: GSI1,
      FilterExpression: "#entity = :connection",
      ExpressionAttributeNames: { "#entity": "entity" },
      ExpressionAttributeValues: { ":connection": "connection" },
      Limit: limit,
      ...(cursor ? { ExclusiveStartKey: JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) } : {}),
    });
    return {
      items: (page.Items ?? []).map((item) => parseItem(ConnectionRecord, item)),
      cursor: page.LastEvaluatedKey
        ? Buffer.from(JSON.stringify(page.LastEvaluatedKey)).toString("base64url")
        : null,
    };
  }

  private itemKeys(record: ConnectionRecord) {
    return {
      ...keys.connection(record.organization_id, record.id),
      ...keys.connectionIndex(record.organization_id, record),
    };
  }
}
