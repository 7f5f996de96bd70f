import type { CredentialReadStore } from "../../resolver/resolver.store.ts";
import { CredentialRead } from "../../resolver/resolver.ts";
import { keys } from "./keys.ts";
import { parseItem, type Table } from "./table.ts";

export class DynamoCredentialReadStore implements CredentialReadStore {
  constructor(private readonly table: Table) {}

  async record(read: CredentialRead): Promise<void> {
    await this.table.put(
      "credential_read",
      keys.credentialRead(read.organization_id, read.at, read.id),
      read,
    );
  }

  async list(organizationId: string, query: { connectionId?: string; limit: number; after?: string }) {
    const { pk, sk } = keys.credentialRead(organizationId);
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
    const items = (page.Items ?? []).map((item) => parseItem(CredentialRead, item));
    return { items, last: page.LastEvaluatedKey ? String(page.LastEvaluatedKey.sk) : null };
  }
}
