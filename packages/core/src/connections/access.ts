import type { KeyPrincipal } from "../api-keys/api-key.ts";
import { ForbiddenError, NotFoundError } from "../shared/errors.ts";
import type { Actor, ConnectionRecord } from "./connection.ts";

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

/** Which records an operation may act on, within one organization. */
export interface Access {
  organizationId: string;
  /** Who acts, as recorded in last_change and the lifecycle event. */
  actor: Actor;
  /** The record if the operation may act on it; otherwise throws (404 or 403). */
  admit(stored: ConnectionRecord | null, id: string): ConnectionRecord;
}

/** The caller as recorded in last_change and the lifecycle event. */
export const userActor = (caller: KeyPrincipal): Actor => ({ type: "user", id: caller.user_id });

/**
 * The caller, acting on connections they may change (see {@link assertCanChange}); `actor` is who is
 * recorded, when someone acts with the caller's rights (an end user on the connect page).
 */
export const canChange = (caller: KeyPrincipal, actor = userActor(caller)): Access => ({
  organizationId: caller.organization_id,
  actor,
  admit: (stored, id) => assertCanChange(caller, stored, id),
});

/** The caller, acting on connections they may see; any other is 404. */
export const canSee = (caller: KeyPrincipal): Access => ({
  organizationId: caller.organization_id,
  actor: userActor(caller),
  admit: (stored, id) => {
    if (!stored || !allows(seeRule(caller), stored)) throw new NotFoundError("connection", id);
    return stored;
  },
});

/** connvault itself (the OAuth2 callback, the resolver's refresh, the reconciler): no caller to check. */
export const systemAccess = (organizationId: string, by: string): Access => ({
  organizationId,
  actor: { type: "system", id: by },
  admit: (stored, id) => {
    if (!stored) throw new NotFoundError("connection", id);
    return stored;
  },
});

/** Whether a connection secret's tags show that the caller could have deleted its connection. */
export function couldHaveDeleted(caller: KeyPrincipal, id: string, tags: Record<string, string>): boolean {
  const owner = tags["connvault:owner"];
  const scope = tags["connvault:access_scope"];
  if (tags["connvault:organization_id"] !== caller.organization_id) return false;
  if (tags["connvault:connection_id"] !== id || !owner) return false;
  return allows(changeRule(caller), {
    owner,
    access_scope: scope === "organizational" ? "organizational" : "personal",
  });
}
