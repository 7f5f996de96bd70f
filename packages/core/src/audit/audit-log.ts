import type { Principal } from "../api-keys/api-key.ts";
import { requireAdmin } from "../api-keys/principal.ts";
import type { CursorCodec } from "../shared/cursor.ts";

/** What every audit entry carries: whose organization, which connection, when. */
export interface AuditEntry {
  id: string;
  organization_id: string;
  connection_id: string;
}

/** An append-only trail of one kind of entry (credential reads, proxied calls), listed newest first. */
export interface AuditLog<T extends AuditEntry> {
  record(entry: T): Promise<void>;
  /** Newest first, after the entry with this sort position. */
  list(
    organizationId: string,
    query: { connectionId?: string; limit: number; after?: string },
  ): Promise<{ items: T[]; last: string | null }>;
}

/**
 * An audit trail listed for admins (`GET /v1/credential-reads`, `GET /v1/proxy-calls`). Apart from
 * the services that write it, so the api, which lists them, holds nothing that reads a secret.
 */
export class AuditListing<T extends AuditEntry> {
  constructor(
    private readonly log: AuditLog<T>,
    private readonly cursors: CursorCodec,
  ) {}

  /** Entries of the caller's organization, newest first (admins only). */
  async list(
    principal: Principal,
    query: { connection_id?: string | undefined; limit: number; cursor?: string | undefined },
  ) {
    const admin = requireAdmin(principal);
    const scope = JSON.stringify([admin.organization_id, query.connection_id ?? null]);
    const after = query.cursor ? this.cursors.decode(scope, query.cursor) : undefined;
    const page = await this.log.list(admin.organization_id, {
      limit: query.limit,
      ...(query.connection_id ? { connectionId: query.connection_id } : {}),
      ...(after ? { after } : {}),
    });
    return { data: page.items, next_cursor: page.last ? this.cursors.encode(scope, page.last) : null };
  }
}
