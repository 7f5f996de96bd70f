/** Where a bounded run stopped, so the next scheduled run continues there; null = from the start. */
export interface ReconcilerCursor {
  secrets: string | null;
  records: string | null;
}

export interface ReconcilerCursorStore {
  load(): Promise<ReconcilerCursor>;
  save(cursor: ReconcilerCursor): Promise<void>;
}
