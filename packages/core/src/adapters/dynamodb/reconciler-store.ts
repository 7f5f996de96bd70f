import { z } from "zod";
import type { ReconcilerCursor, ReconcilerCursorStore } from "../../reconciler/reconciler.store.ts";
import { keys } from "./keys.ts";
import type { Table } from "./table.ts";

const Cursor = z.object({ secrets: z.string().nullable(), records: z.string().nullable() });

export class DynamoReconcilerCursorStore implements ReconcilerCursorStore {
  constructor(private readonly table: Table) {}

  async load(): Promise<ReconcilerCursor> {
    return (await this.table.get(Cursor, keys.reconcilerCursor())) ?? { secrets: null, records: null };
  }

  async save(cursor: ReconcilerCursor): Promise<void> {
    await this.table.put("reconciler_cursor", keys.reconcilerCursor(), cursor);
  }
}
