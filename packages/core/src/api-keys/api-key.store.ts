import type { ApiKey } from "./api-key.ts";

export interface ApiKeyStore {
  /** Stores a new key under its hash; the raw key is never stored. */
  put(key: ApiKey, hash: string): Promise<void>;
  findByHash(hash: string): Promise<ApiKey | null>;
  listByOrganization(organizationId: string): Promise<ApiKey[]>;
  /** Deletes the key and returns its hash; null when the organization has no key with that id. */
  delete(organizationId: string, id: string): Promise<string | null>;
}
