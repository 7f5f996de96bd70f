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

export interface ConnectionPage {
  items: ConnectionRecord[];
  next: { created_at: string; id: string } | null;
}

export interface ConnectionStore {
  /** Inserts a new record; false when one with the same id exists. */
  create(record: ConnectionRecord): Promise<boolean>;
  /** Strongly consistent: the If-Match check, rotation and create's clean-up decide writes on it. */
  get(organizationId: string, id: string): Promise<ConnectionRecord | null>;
  /** Writes `record` if the stored revision is still `expectedRevision`; false otherwise. */
  replace(record: ConnectionRecord, expectedRevision: number): Promise<boolean>;
  /** Deletes the record if `rule` allows it and returns it; null when it is absent or not allowed. */
  delete(organizationId: string, id: string, rule: AccessRule): Promise<ConnectionRecord | null>;
  /**
   * One page, newest first, at a bounded cost: a filtered page may be short (even empty) and still
   * have more. `next` is where the following page starts (pass it back as `after`), null after the
   * last.
   */
  list(query: ConnectionPageQuery): Promise<ConnectionPage>;
  /**
   * Every organization's connections, for scheduled jobs: one page of at most `limit` records, in no
   * particular order, eventually consistent; `cursor` is null after the last page.
   */
  scanConnections(
    cursor: string | null,
    limit: number,
  ): Promise<{ items: ConnectionRecord[]; cursor: string | null }>;
}

/** An external secret adopted by one connection: at most one claim per (organization, secret ARN). */
export interface SecretClaim {
  /** The secret's full ARN, as DescribeSecret returns it (a name or partial ARN never makes a second claim). */
  arn: string;
  connection_id: string;
  claimed_at: string;
}

export interface SecretClaimStore {
  /**
   * Claims the secret for `claim.connection_id`: true when that connection now holds it (it may
   * already have). With `replacing`, a claim held by that (stale) connection is taken over.
   */
  claim(organizationId: string, claim: SecretClaim, replacing?: string): Promise<boolean>;
  get(organizationId: string, arn: string): Promise<SecretClaim | null>;
  /** Removes the claim if `connectionId` still holds it. */
  release(organizationId: string, arn: string, connectionId: string): Promise<void>;
}
