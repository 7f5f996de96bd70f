import type { ConnectionFilters, ConnectionRecord } from "./connection.ts";

export interface ConnectionPageQuery {
  organizationId: string;
  /** The caller: sees organizational connections and their own personal ones. */
  viewer: string;
  filters: ConnectionFilters;
  limit: number;
  /** Return connections created before this one (newest first). */
  after?: string;
}

export interface ConnectionStore {
  /** Inserts a new record; fails with ConflictError if the id exists. */
  create(record: ConnectionRecord): Promise<void>;
  get(organizationId: string, id: string): Promise<ConnectionRecord | null>;
  /** One page, newest first; `hasMore` tells whether a later page exists. */
  list(query: ConnectionPageQuery): Promise<{ items: ConnectionRecord[]; hasMore: boolean }>;
}
