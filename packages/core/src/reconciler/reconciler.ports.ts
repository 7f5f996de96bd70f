/** One secret under connvault's `<prefix>/connections/` namespace, as listed (never its value). */
export interface InventoriedSecret {
  name: string;
  arn: string;
  /** When the secret was created. */
  createdAt: Date;
  /** When its value or metadata last changed (at least `createdAt`). */
  lastChangedAt: Date;
  /** Scheduled for deletion (still listed during its recovery window). */
  deleted: boolean;
  /** The connection the name stands for; null when the name does not have connvault's shape. */
  owner: { organizationId: string; connectionId: string } | null;
}

/**
 * The secrets connvault manages, listed without reading a value (ListSecrets). Only the reconciler
 * is built with one; it finds secrets that no record points at.
 */
export interface SecretInventory {
  /**
   * One page of the managed secrets, oldest first, at most `limit` (≤ 100) of them; `cursor` is null
   * after the last page. A cursor Secrets Manager no longer accepts restarts the listing.
   */
  listManaged(
    cursor: string | null,
    limit: number,
  ): Promise<{ secrets: InventoriedSecret[]; cursor: string | null }>;
}

/** Where a bounded run stopped, so the next scheduled run continues there; null = from the start. */
export interface ReconcilerCursor {
  secrets: string | null;
  records: string | null;
}

export interface ReconcilerCursorStore {
  load(): Promise<ReconcilerCursor>;
  save(cursor: ReconcilerCursor): Promise<void>;
}
