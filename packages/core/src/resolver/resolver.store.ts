import type { CredentialRead } from "./resolver.ts";

export interface CredentialReadStore {
  record(read: CredentialRead): Promise<void>;
  /** Newest first, after the read with this sort position. */
  list(
    organizationId: string,
    query: { connectionId?: string; limit: number; after?: string },
  ): Promise<{ items: CredentialRead[]; last: string | null }>;
}

export interface LeaseStore {
  /** Takes the lease unless someone else holds an unexpired one. */
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  release(name: string, owner: string): Promise<void>;
}
