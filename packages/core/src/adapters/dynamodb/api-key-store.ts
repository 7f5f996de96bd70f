import type { ApiKeyStore } from "../../api-keys/api-key.store.ts";
import { ApiKey } from "../../api-keys/api-key.ts";
import { keys } from "./keys.ts";
import { NOT_EXISTS, parseItem, type Table } from "./table.ts";
import { GSI1 } from "./table-definition.ts";

/** API keys are stored under their hash (the authentication lookup) and indexed per organization. */
export class DynamoApiKeyStore implements ApiKeyStore {
  constructor(private readonly table: Table) {}

  put(key: ApiKey, hash: string): Promise<boolean> {
    return this.table.put("api_key", this.itemKeys(key, hash), { ...key, hash }, NOT_EXISTS);
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
        FilterExpression: "attribute_not_exists(revoked_at) OR revoked_at = :null",
        ExpressionAttributeValues: { ":pk": keys.apiKeyIndex(organizationId).gsi1pk, ":null": null },
        ExclusiveStartKey: start,
      });
      items.push(...(page.Items ?? []).map((item) => parseItem(ApiKey, item)));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Revoked keys stay stored (marked), so replaying the request that issued one cannot revive it. */
  async revoke(organizationId: string, id: string, revokedAt: string): Promise<string | null> {
    const { gsi1pk, gsi1sk } = keys.apiKeyIndex(organizationId, id);
    const found = await this.table.query({
      IndexName: GSI1,
      KeyConditionExpression: "gsi1pk = :pk AND gsi1sk = :sk",
      ExpressionAttributeValues: { ":pk": gsi1pk, ":sk": gsi1sk },
    });
    const item = found.Items?.[0];
    if (!item) return null;
    const key = parseItem(ApiKey, item);
    const hash = String(item.hash);
    const revoked = await this.table.put(
      "api_key",
      this.itemKeys(key, hash),
      { ...key, hash, revoked_at: revokedAt },
      { expression: "attribute_exists(pk) AND revoked_at = :null", values: { ":null": null } },
    );
    return revoked ? hash : null;
  }

  private itemKeys(key: ApiKey, hash: string) {
    return { ...keys.apiKey(hash), ...keys.apiKeyIndex(key.organization_id, key.id) };
  }
}
