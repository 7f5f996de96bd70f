import { z } from "zod";
import type { ConnectorStore } from "../../connectors/connector.store.ts";
import { ConnectorRecord } from "../../connectors/connector.ts";
import { keys } from "./keys.ts";
import { parseItem, type Table } from "./table.ts";

/**
 * A connector's versions (with their free-form OpenAPI security schemes) are stored as one JSON
 * string: DynamoDB numbers cannot hold every JSON number, and nothing queries inside them.
 */
const StoredConnector = z
  .object({ versions: z.string().transform((text) => JSON.parse(text) as unknown) })
  .passthrough()
  .pipe(ConnectorRecord);

export class DynamoConnectorStore implements ConnectorStore {
  constructor(private readonly table: Table) {}

  async put(connector: ConnectorRecord): Promise<void> {
    await this.table.put("connector", keys.connector(connector.id), {
      ...connector,
      versions: JSON.stringify(connector.versions),
    });
  }

  get(id: string): Promise<ConnectorRecord | null> {
    return this.table.get(StoredConnector, keys.connector(id));
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
      connectors.push(...(page.Items ?? []).map((item) => parseItem(StoredConnector, item)));
      start = page.LastEvaluatedKey;
    } while (start);
    return connectors;
  }
}
