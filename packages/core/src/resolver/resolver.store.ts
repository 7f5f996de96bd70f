import type { AuditLog } from "../audit/audit-log.ts";
import type { CredentialRead } from "./resolver.ts";

export type CredentialReadStore = AuditLog<CredentialRead>;

export interface LeaseStore {
  /** Takes the lease unless someone else holds an unexpired one. */
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  release(name: string, owner: string): Promise<void>;
}
