import type { KeyPrincipal } from "../api-keys/api-key.ts";
import { ForbiddenError, NotFoundError } from "../shared/errors.ts";
import type { ConnectionRecord } from "./connection.ts";

/**
 * Who may act on a connection, as data: the caller's own connections, plus every organizational
 * one when `organizational` is true. The service checks it in memory and the store turns the same
 * rule into a DynamoDB condition, so both read one definition.
 */
export interface AccessRule {
  owner: string;
  organizational: boolean;
}

/** Members and admins see organizational connections and their own personal ones. */
export const seeRule = (caller: Pick<KeyPrincipal, "user_id">): AccessRule => ({
  owner: caller.user_id,
  organizational: true,
});

/** Admins change what they see; members change only the connections they own. */
export const changeRule = (caller: KeyPrincipal): AccessRule => ({
  owner: caller.user_id,
  organizational: caller.role === "admin",
});

export const allows = (rule: AccessRule, record: Pick<ConnectionRecord, "owner" | "access_scope">): boolean =>
  record.owner === rule.owner || (rule.organizational && record.access_scope === "organizational");

/** The record, if the caller may change it: 404 when they cannot see it, 403 when they only see it. */
export function assertCanChange(
  caller: KeyPrincipal,
  record: ConnectionRecord | null,
  id: string,
): ConnectionRecord {
  if (!record || !allows(seeRule(caller), record)) throw new NotFoundError("connection", id);
  if (!allows(changeRule(caller), record)) {
    throw new ForbiddenError("Members may change only the connections they own");
  }
  return record;
}
