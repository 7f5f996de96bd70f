import type { AccessRule } from "../../connections/access.ts";
import type {
  ConnectionPage,
  ConnectionPageQuery,
  ConnectionStore,
} from "../../connections/connection.store.ts";
import { ConnectionRecord } from "../../connections/connection.ts";
import { keys } from "./keys.ts";
import { type Condition, NOT_EXISTS, parseItem, type Table } from "./table.ts";
import { GSI1, GSI2 } from "./table-definition.ts";

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

/** How many items one filtered Query may evaluate: a page's cost is bounded, not its fill. */
export const FILTERED_BUDGET = 100;

/** The filters (and owners a rule requires) as one FilterExpression; undefined when there are none. */
function filterCondition(filters: Record<string, unknown>, owners: string[]): Condition | undefined {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const conditions: string[] = [];
  const add = (field: string, value: unknown, placeholder: string) => {
    names[`#f_${field}`] = field;
    values[`:f_${placeholder}`] = value;
    conditions.push(`#f_${field} = :f_${placeholder}`);
  };
  for (const [field, value] of Object.entries(filters)) if (value !== undefined) add(field, value, field);
  for (const [i, owner] of owners.entries()) add("owner", owner, `owner${i}`);
  return conditions.length ? { expression: conditions.join(" AND "), names, values } : undefined;
}

export class DynamoConnectionStore implements ConnectionStore {
  constructor(private readonly table: Table) {}

  create(record: ConnectionRecord): Promise<boolean> {
    return this.table.put("connection", this.itemKeys(record), record, NOT_EXISTS);
  }

  /** Always strongly consistent: the reads that decide a write use it, at the same round trip. */
  get(organizationId: string, id: string): Promise<ConnectionRecord | null> {
    return this.table.get(ConnectionRecord, keys.connection(organizationId, id), { consistent: true });
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
   * Newest first, from GSI2: the organizational range and the viewer's personal range, queried in
   * parallel (one round trip each, at most two) and merged, so what the caller cannot see is never
   * read. Unfiltered, each Query reads `limit + 1` items. Filters are FilterExpressions, so each
   * Query evaluates at most FILTERED_BUDGET items and the page may come back short, with `next` at
   * the point both ranges were read to.
   */
  async list(query: ConnectionPageQuery): Promise<ConnectionPage> {
    const { organizationId, rule, limit, after } = query;
    const { access_scope, ...filters } = query.filters;
    const owners = rule.organizational ? [] : [rule.owner];
    if (filters.owner) owners.push(filters.owner);
    const ranges = [
      ...(access_scope !== "personal" ? [keys.visibleConnections(organizationId)] : []),
      ...(access_scope !== "organizational" && owners.every((owner) => owner === rule.owner)
        ? [keys.visibleConnections(organizationId, rule.owner)]
        : []),
    ];
    const { environment, ...exact } = filters;
    const filter = filterCondition(
      { ...exact, owner: undefined, environment_key: environment?.toLowerCase() },
      owners,
    );
    const values = { ...filter?.values, ...(after ? { ":after": keys.listPosition(after) } : {}) };
    const pages = await Promise.all(
      ranges.map(({ gsi2pk }) =>
        this.table.query({
          IndexName: GSI2,
          KeyConditionExpression: after ? "gsi2pk = :gsi2pk AND gsi2sk < :after" : "gsi2pk = :gsi2pk",
          ...(filter ? { FilterExpression: filter.expression, ExpressionAttributeNames: filter.names } : {}),
          ExpressionAttributeValues: { ...values, ":gsi2pk": gsi2pk },
          ScanIndexForward: false,
          Limit: filter ? Math.max(limit + 1, FILTERED_BUDGET) : limit + 1,
        }),
      ),
    );
    // A range that stopped early is complete only down to where it stopped: keep what is above both.
    const stops = pages.flatMap((page) =>
      page.LastEvaluatedKey ? [String(page.LastEvaluatedKey.gsi2sk)] : [],
    );
    const frontier = stops.sort().at(-1);
    const merged = pages
      .flatMap((page) => page.Items)
      .filter((item) => frontier === undefined || String(item.gsi2sk) >= frontier)
      .sort((a, b) => (String(a.gsi2sk) < String(b.gsi2sk) ? 1 : -1))
      .map((item) => parseItem(ConnectionRecord, item));
    const items = merged.slice(0, limit);
    const last = items.at(-1);
    const next =
      merged.length > limit && last
        ? { created_at: last.created_at, id: last.id }
        : frontier !== undefined
          ? keys.parseListPosition(frontier)
          : null;
    return { items, next };
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

  /** The item's keys, plus the lowercased environment the list filters on (environments ignore case). */
  private itemKeys(record: ConnectionRecord) {
    return {
      ...keys.connection(record.organization_id, record.id),
      ...keys.connectionIndex(record.organization_id, record),
      ...keys.visibleConnection(record.organization_id, record),
      environment_key: record.environment.toLowerCase(),
    };
  }
}
