import type { ConnectorStore } from "../../connectors/connector.store.ts";
import { Connector } from "../../connectors/connector.ts";
import { keys } from "./keys.ts";
import { parseItem, type Table } from "./table-client.ts";

export class DynamoConnectorStore implements ConnectorStore {
  constructor(private readonly table: Table) {}

  async put(connector: Connector): Promise<void> {
    await this.table.put("connector", keys.connector(connector.id), connector);
  }

  get(id: string): Promise<Connector | null> {
    return this.table.get(Connector, keys.connector(id));
  }

  async list(): Promise<Connector[]> {
    const { pk, skPrefix } = keys.catalog();
    const connectors: Connector[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.query({
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": pk, ":prefix": skPrefix },
        ExclusiveStartKey: start,
      });
      connectors.push(...(page.Items ?? []).map((item) => parseItem(Connector, item)));
      start = page.LastEvaluatedKey;
    } while (start);
    return connectors;
  }
}
