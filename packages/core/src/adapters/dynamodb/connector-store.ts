import type { ConnectorStore } from "../../connectors/connector.store.ts";
import { ConnectorRecord } from "../../connectors/connector.ts";
import { keys } from "./keys.ts";
import { parseItem, type Table } from "./table-client.ts";

export class DynamoConnectorStore implements ConnectorStore {
  constructor(private readonly table: Table) {}

  async put(connector: ConnectorRecord): Promise<void> {
    await this.table.put("connector", keys.connector(connector.id), connector);
  }

  get(id: string): Promise<ConnectorRecord | null> {
    return this.table.get(ConnectorRecord, keys.connector(id));
  }

  async list(): Promise<ConnectorRecord[]> {
    const { pk, skPrefix } = keys.catalog();
    const connectors: ConnectorRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.query({
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": pk, ":prefix": skPrefix },
        ExclusiveStartKey: start,
      });
      connectors.push(...(page.Items ?? []).map((item) => parseItem(ConnectorRecord, item)));
      start = page.LastEvaluatedKey;
    } while (start);
    return connectors;
  }
}
