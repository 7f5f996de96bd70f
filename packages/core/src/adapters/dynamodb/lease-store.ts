import { z } from "zod";
import type { LeaseStore } from "../../resolver/resolver.store.ts";
import type { Clock } from "../../shared/clock.ts";
import { keys } from "./keys.ts";
import type { Table } from "./table.ts";

const Lease = z.object({ owner: z.string() });

export class DynamoLeaseStore implements LeaseStore {
  constructor(
    private readonly table: Table,
    private readonly clock: Clock,
  ) {}

  acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now().getTime();
    return this.table.put(
      "lease",
      keys.lease(name),
      { owner, expires_ms: now + ttlMs, expires_at: Math.ceil((now + ttlMs) / 1000) },
      { expression: "attribute_not_exists(pk) OR expires_ms < :now", values: { ":now": now } },
    );
  }

  async release(name: string, owner: string): Promise<void> {
    await this.table.delete(Lease, keys.lease(name), {
      expression: "#owner = :owner",
      names: { "#owner": "owner" },
      values: { ":owner": owner },
    });
  }
}
