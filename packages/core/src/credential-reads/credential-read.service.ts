import type { Principal } from "../api-keys/api-key.ts";
import { requireAdmin } from "../api-keys/principal.ts";
import type { CredentialReadStore } from "../resolver/resolver.store.ts";
import type { ListCredentialReadsQuery } from "../resolver/resolver.ts";
import type { CursorCodec } from "../shared/cursor.ts";

/**
 * `GET /v1/credential-reads`: the audit trail the resolver writes, listed for admins. Apart from the
 * resolver so the api, which lists it, holds nothing that reads a secret.
 */
export class CredentialReadService {
  constructor(
    private readonly reads: CredentialReadStore,
    private readonly cursors: CursorCodec,
  ) {}

  /** Credential reads of the caller's organization, newest first (admins only). */
  async list(principal: Principal, query: ListCredentialReadsQuery) {
    const admin = requireAdmin(principal);
    const scope = JSON.stringify([admin.organization_id, query.connection_id ?? null]);
    const after = query.cursor ? this.cursors.decode(scope, query.cursor) : undefined;
    const page = await this.reads.list(admin.organization_id, {
      limit: query.limit,
      ...(query.connection_id ? { connectionId: query.connection_id } : {}),
      ...(after ? { after } : {}),
    });
    return { data: page.items, next_cursor: page.last ? this.cursors.encode(scope, page.last) : null };
  }
}
