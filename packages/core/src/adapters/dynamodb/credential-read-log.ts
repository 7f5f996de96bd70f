import { CredentialRead } from "../../resolver/resolver.ts";
import type { AuditKind } from "./audit-log.ts";

/** Credential reads: `READ#<at>#<id>` in the organization's partition. */
export const CREDENTIAL_READS: AuditKind<CredentialRead> = {
  entity: "credential_read",
  prefix: "READ",
  schema: CredentialRead,
  at: (read) => read.at,
};
