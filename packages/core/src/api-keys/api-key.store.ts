import type { ApiKey } from "./api-key.ts";

export interface ApiKeyStore {
  /** Stores a new key under its hash (the raw key is never stored); false if that hash exists. */
  put(key: ApiKey, hash: string): Promise<boolean>;
  /** The key with this hash, revoked or not. */
  findByHash(hash: string): Promise<ApiKey | null>;
  /** The organization's keys that are not revoked. */
  listByOrganization(organizationId: string): Promise<ApiKey[]>;
  /** Marks the key revoked and returns its hash; null when the organization has no such active key. */
  revoke(organizationId: string, id: string, revokedAt: string): Promise<string | null>;
}
