import type { AccessRule } from "./access.ts";
import type { ConnectionFilters, ConnectionRecord } from "./connection.ts";

export interface ConnectionPageQuery {
  organizationId: string;
  /** Only connections this rule allows. */
  rule: AccessRule;
  filters: ConnectionFilters;
  limit: number;
  /** Continue after this connection (newest first). */
  after?: { created_at: string; id: string };
}

export interface ConnectionStore {
  /** Inserts a new record; false when one with the same id exists. */
  create(record: ConnectionRecord): Promise<boolean>;
  get(organizationId: string, id: string): Promise<ConnectionRecord | null>;
  /** Writes `record` if the stored revision is still `expectedRevision`; false otherwise. */
  replace(record: ConnectionRecord, expectedRevision: number): Promise<boolean>;
  /** Deletes the record if `rule` allows it and returns it; null when it is absent or not allowed. */
  delete(organizationId: string, id: string, rule: AccessRule): Promise<ConnectionRecord | null>;
  /** One page, newest first; `hasMore` tells whether a later page exists. */
  list(query: ConnectionPageQuery): Promise<{ items: ConnectionRecord[]; hasMore: boolean }>;
  /**
   * Every organization's connections, for scheduled jobs: one page of at most `limit` records, in no
   * particular order, eventually consistent; `cursor` is null after the last page.
   */
  scanConnections(
    cursor: string | null,
    limit: number,
  ): Promise<{ items: ConnectionRecord[]; cursor: string | null }>;
}
