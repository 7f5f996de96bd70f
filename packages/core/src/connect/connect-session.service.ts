import { randomBytes } from "node:crypto";
import type { KeyPrincipal, Principal } from "../api-keys/api-key.ts";
import { requireMember } from "../api-keys/principal.ts";
import { assertCanChange } from "../connections/access.ts";
import type { ConnectionStore } from "../connections/connection.store.ts";
import type { ConnectorService } from "../connectors/connector.service.ts";
import type { Clock } from "../shared/clock.ts";
import { ForbiddenError, NotFoundError, ValidationError } from "../shared/errors.ts";
import {
  deterministicId,
  fingerprint,
  IdempotencyKeyReusedError,
  type Replayable,
} from "../shared/idempotency.ts";
import { isWellFormedId, newId } from "../shared/ids.ts";
import type { ConnectSessionStore } from "./connect-session.store.ts";
import {
  CONNECT_SESSION_RETENTION_MS,
  CONNECT_SESSION_TTL_MS,
  type ConnectSessionRecord,
  type ConnectSessionStatus,
  sessionMac,
  sessionStatus,
  type ValidCreateConnectSessionInput,
} from "./connect-session.ts";

export interface IssuedConnectSession {
  session: ConnectSessionRecord;
  /** `<session id>.<secret>`: in the create response only; connvault keeps a keyed hash. */
  token: string;
}

/**
 * Connect sessions as the API manages them (API.md, "Connect sessions"): opened for an owner by
 * someone allowed to, read and revoked. The token is kept only as an HMAC under the connect-session
 * key. The page that uses a session is the connect function's ({@link ConnectPageService}).
 */
export class ConnectSessionService {
  constructor(
    private readonly store: ConnectSessionStore,
    private readonly records: ConnectionStore,
    private readonly connectors: ConnectorService,
    private readonly clock: Clock,
    private readonly key: Buffer | undefined,
  ) {}

  /**
   * `POST /v1/connect-sessions`. With an Idempotency-Key the id and the token are functions of it, so a
   * replay answers the same token although only its hash is stored.
   */
  async create(
    principal: Principal,
    input: ValidCreateConnectSessionInput,
    idempotencyKey?: string,
  ): Promise<Replayable<IssuedConnectSession>> {
    const caller = requireMember(principal);
    if (input.owner !== caller.user_id && caller.role !== "admin") {
      throw new ForbiddenError("Only an admin may open a connect session for another user");
    }
    const allowed = await this.allowedConnectors(caller, input);
    const id = idempotencyKey
      ? deterministicId("cs", caller.organization_id, "connect-session", idempotencyKey)
      : newId("cs");
    const secret = idempotencyKey ? this.mac("token", id) : randomBytes(32).toString("base64url");
    const token = `${id}.${secret}`;
    const now = this.clock.now();
    const validUntil = now.getTime() + CONNECT_SESSION_TTL_MS;
    const request = fingerprint({ caller: caller.user_id, input });
    const session: ConnectSessionRecord = {
      id,
      organization_id: caller.organization_id,
      owner: input.owner,
      allowed_connectors: allowed,
      access_scope: input.access_scope,
      connection_id: input.connection_id ?? null,
      reconnect: input.connection_id !== undefined,
      redirect_url: input.redirect_url ?? null,
      metadata: input.metadata,
      status: "open",
      token_hash: this.mac("hash", token),
      created_by: { user_id: caller.user_id, role: caller.role, api_key_id: caller.api_key_id },
      fingerprint: request,
      created_at: now.toISOString(),
      valid_until: new Date(validUntil).toISOString(),
      expires_at: Math.ceil((validUntil + CONNECT_SESSION_RETENTION_MS) / 1000),
    };
    if (await this.store.create(session)) return { result: { session, token }, replayed: false };
    const existing = await this.store.get(id);
    if (existing?.organization_id !== caller.organization_id || existing.fingerprint !== request) {
      throw new IdempotencyKeyReusedError();
    }
    return { result: { session: existing, token }, replayed: true };
  }

  /** `GET /v1/connect-sessions/{id}`: admins see the organization's, members the ones they own or opened. */
  async get(principal: Principal, id: string): Promise<ConnectSessionRecord> {
    const caller = requireMember(principal);
    const session = isWellFormedId(id) ? await this.store.get(id) : null;
    const visible =
      session?.organization_id === caller.organization_id &&
      (caller.role === "admin" ||
        session.owner === caller.user_id ||
        session.created_by.user_id === caller.user_id);
    if (!session || !visible) throw new NotFoundError("connect_session", id);
    return session;
  }

  /** `DELETE /v1/connect-sessions/{id}`: an open session stops working at once; revoking again is a no-op. */
  async revoke(principal: Principal, id: string): Promise<void> {
    const session = await this.get(principal, id);
    if (this.statusOf(session) === "open") await this.store.replaceOpen({ ...session, status: "revoked" });
  }

  /** A session's status now: an open one past its 30 minutes is expired. */
  statusOf(session: ConnectSessionRecord): ConnectSessionStatus {
    return sessionStatus(session, this.clock.now());
  }

  private async allowedConnectors(
    caller: KeyPrincipal,
    input: ValidCreateConnectSessionInput,
  ): Promise<string[] | null> {
    const requested = input.allowed_connectors;
    const allowed = requested ? [...new Set(requested)] : null;
    if (input.connection_id !== undefined) {
      const id = input.connection_id;
      const stored = isWellFormedId(id) ? await this.records.get(caller.organization_id, id) : null;
      const record = assertCanChange(caller, stored, id);
      if (record.owner !== input.owner) {
        throw ValidationError.at(
          "owner",
          "not_the_owner",
          `owner must be ${record.owner}, the owner of connection ${id}`,
        );
      }
      if (allowed && !allowed.includes(record.connector_id)) {
        throw ValidationError.at(
          "allowed_connectors",
          "not_the_connector",
          `Connection ${id} uses connector ${record.connector_id}, which allowed_connectors must include`,
        );
      }
      return [record.connector_id];
    }
    for (const [index, id] of (requested ?? []).entries()) {
      const connector = await this.connectors.find(id);
      if (!connector || connector.auth_type === "none") {
        throw ValidationError.at(
          `allowed_connectors.${index}`,
          connector ? "no_credentials" : "unknown_connector",
          connector
            ? `Connector ${id} needs no credentials, so there is nothing to connect`
            : `No connector with id ${id}`,
        );
      }
    }
    return allowed;
  }

  private mac(label: string, value: string): string {
    return sessionMac(this.key, label, value);
  }
}
