import type { CredentialRead } from "./resolver.ts";

export interface CredentialReadStore {
  record(read: CredentialRead): Promise<void>;
  /** Newest first, after the read with this sort position. */
  list(
    organizationId: string,
    query: { connectionId?: string; limit: number; after?: string },
  ): Promise<{ items: CredentialRead[]; last: string | null }>;
}

/** Metadata of a secret the resolver reads: an adopted secret's tags are checked before each read. */
export interface SecretTags {
  /**
   * The tags of a secret connvault did not create (never its value): SecretMissingError when it is
   * gone, SecretNotAdoptableError when Secrets Manager will not describe it.
   */
  tags(secretId: string): Promise<Record<string, string>>;
}

export interface LeaseStore {
  /** Takes the lease unless someone else holds an unexpired one. */
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  release(name: string, owner: string): Promise<void>;
}
