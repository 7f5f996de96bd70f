import type { ApiKeyStore } from "../../api-keys/api-key.store.ts";
import { ApiKey } from "../../api-keys/api-key.ts";
import { ConflictError } from "../../shared/errors.ts";
import { keys } from "./keys.ts";
import { GSI1 } from "./table.ts";
import { parseItem, type Table } from "./table-client.ts";

/** API keys are stored under their hash (the authentication lookup) and indexed per organization. */
export class DynamoApiKeyStore implements ApiKeyStore {
  constructor(private readonly table: Table) {}

  async put(key: ApiKey, hash: string): Promise<void> {
    const item = { ...keys.apiKey(hash), ...keys.apiKeyIndex(key.organization_id, key.id) };
    const created = await this.table.put("api_key", item, { ...key, hash }, "attribute_not_exists(pk)");
    if (!created) throw new ConflictError("api_key_exists", "API key collision; retry");
  }

  findByHash(hash: string): Promise<ApiKey | null> {
    return this.table.get(ApiKey, keys.apiKey(hash));
  }

  async listByOrganization(organizationId: string): Promise<ApiKey[]> {
    const items: ApiKey[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.query({
        IndexName: GSI1,
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.apiKeyIndex(organizationId).gsi1pk },
        ExclusiveStartKey: start,
      });
      items.push(...(page.Items ?? []).map((item) => parseItem(ApiKey, item)));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async delete(organizationId: string, id: string): Promise<string | null> {
    const { gsi1pk, gsi1sk } = keys.apiKeyIndex(organizationId, id);
    const found = await this.table.query({
      IndexName: GSI1,
      KeyConditionExpression: "gsi1pk = :pk AND gsi1sk = :sk",
      ExpressionAttributeValues: { ":pk": gsi1pk, ":sk": gsi1sk },
    });
    const hash = found.Items?.[0]?.hash as string | undefined;
    if (!hash) return null;
    return (await this.table.delete(keys.apiKey(hash), "attribute_exists(pk)")) ? hash : null;
  }
}
