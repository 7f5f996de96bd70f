import type { Principal } from "../api-keys/api-key.ts";
import { requireMember } from "../api-keys/principal.ts";
import type { ConnectorService } from "../connectors/connector.service.ts";
import type { Connector } from "../connectors/connector.ts";
import { findVersion } from "../connectors/connector.ts";
import type { CredentialVault } from "../secrets/secrets.ports.ts";
import type { Clock } from "../shared/clock.ts";
import type { CursorCodec } from "../shared/cursor.ts";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../shared/errors.ts";
import {
  canonicalJson,
  deterministicId,
  fingerprint,
  IdempotencyKeyReusedError,
  type Replayable,
} from "../shared/idempotency.ts";
import { isWellFormedId, newId } from "../shared/ids.ts";
import type { SecretTokens } from "../shared/secret-token.ts";
import {
  type Access,
  assertCanChange,
  canChange,
  canSee,
  changeRule,
  seeRule,
  systemAccess,
  userActor,
} from "./access.ts";
import { OAuth2ClientNotConfiguredError, PreconditionFailedError } from "./connection.errors.ts";
import type { ConnectionStore, SecretClaimStore } from "./connection.store.ts";
import {
  type Actor,
  type ConnectionChange,
  type ConnectionRecord,
  type CredentialPayload,
  deriveStatus,
  type HealthInput,
  type OAuth2Token,
  type RotateCredentialsInput,
  type UpdateConnectionInput,
  type ValidCreateConnectionInput,
  type ValidListConnectionsQuery,
} from "./connection.ts";
import {
  authMethodOf,
  ConnectionSecrets,
  checkCredentials,
  credentialPayload,
  redact,
} from "./connection-secrets.ts";

/** How many keyed requests a connection remembers for replays (besides the one that created it). */
const REMEMBERED_KEYS = 20;
/** Attempts at an optimistic write when no If-Match pins the revision. */
const WRITE_ATTEMPTS = 3;

/**
 * What creates a connection: the HTTP body, plus what the unified.to-compatible routes carry
 * (unified's write-only `auth` object, `permissions`, `categories`, `is_paused`).
 */
export type CreateConnectionCommand = ValidCreateConnectionInput & {
  auth?: Record<string, unknown>;
  permissions?: string[];
  categories?: string[];
  is_paused?: boolean;
};

/** What updates a connection: the HTTP body, plus unified's `permissions` and `categories`. */
export type UpdateConnectionCommand = UpdateConnectionInput & {
  permissions?: string[];
  categories?: string[];
};

/** What rotates credentials: the HTTP body, or unified's `auth` object. */
export type RotateCredentialsCommand = RotateCredentialsInput & { auth?: Record<string, unknown> };

/** The id a connection created with this Idempotency-Key gets (or got) in this organization. */
export const connectionIdFor = (organizationId: string, idempotencyKey: string) =>
  deterministicId("conn", organizationId, "connection", idempotencyKey);

export const etagOf = (record: Pick<ConnectionRecord, "revision">) => `"${record.revision}"`;

export class ConnectionService {
  /** The secret side of every write, kept in the order connection-secrets.ts describes. */
  private readonly secrets: ConnectionSecrets;

  constructor(
    private readonly store: ConnectionStore,
    vault: CredentialVault,
    private readonly connectors: ConnectorService,
    private readonly cursors: CursorCodec,
    private readonly clock: Clock,
    tokens: SecretTokens,
    claims: SecretClaimStore,
  ) {
    this.secrets = new ConnectionSecrets(vault, tokens, claims, store, clock);
  }

  /**
   * Creates a connection: its secret first, then its record (the invariant connection-secrets.ts
   * states). With an Idempotency-Key the connection id and the secret's ClientRequestToken are
   * functions of the key, so a retry or a concurrent duplicate converges on the same connection and
   * secret; without one, a failed record write deletes the secret again (and the reconciler removes
   * any that compensation could not). `actor` is who is recorded, when not the caller.
   */
  async create(
    principal: Principal,
    connectorId: string,
    input: CreateConnectionCommand,
    idempotencyKey?: string,
    actor?: Actor,
  ): Promise<Replayable<ConnectionRecord>> {
    const caller = requireMember(principal);
    const connector = await this.connectors.get(connectorId);
    checkCredentials(connector, input);
    checkVersion(connector, input.version);
    checkAuthorizable(connector, input);
    if (input.redirect_url && connector.auth_type !== "oauth2") {
      throw ValidationError.at(
        "redirect_url",
        "not_oauth2",
        "redirect_url applies only to OAuth2 connectors",
      );
    }
    if (input.owner && input.owner !== caller.user_id && caller.role !== "admin") {
      throw new ForbiddenError("Only an admin may create a connection owned by another user");
    }
    const id = idempotencyKey ? connectionIdFor(caller.organization_id, idempotencyKey) : newId("conn");
    const request = fingerprint({
      op: "create",
      connector: connector.id,
      caller: caller.user_id,
      input: redact(input),
    });
    const now = this.clock.now().toISOString();
    const draft: ConnectionRecord = {
      id,
      organization_id: caller.organization_id,
      connector_id: connector.id,
      auth_type: connector.auth_type,
      version: input.version ?? null,
      name: input.name,
      owner: input.owner ?? caller.user_id,
      access_scope: input.access_scope,
      is_service_account: input.is_service_account,
      status: "active",
      general_params: input.general_params,
      target_system_servers: input.target_system_servers,
      header_names: Object.keys(input.headers ?? {}),
      environment: input.environment,
      external_xref: input.external_xref ?? null,
      metadata: input.metadata,
      permissions: input.permissions ?? [],
      categories: input.categories ?? [],
      credentials: null,
      auth_aws_arn: null,
      is_paused: input.is_paused ?? false,
      health: null,
      health_reason: null,
      last_healthy_at: null,
      last_unhealthy_at: null,
      redirect_url: input.redirect_url ?? null,
      idempotency: idempotencyKey ? [{ key: idempotencyKey, fingerprint: request, operation: "create" }] : [],
      created_at: now,
      updated_at: now,
      last_change: { type: "created", actor: actor ?? userActor(caller) },
      revision: 1,
    };
    const secret = await this.secrets.provision(caller, draft, input, idempotencyKey);
    return this.insert(withStatus({ ...draft, ...secret }), request, idempotencyKey);
  }

  /** A connection the caller may see; anything else (another organization, another user's personal one) is 404. */
  async get(principal: Principal, id: string): Promise<ConnectionRecord> {
    const caller = requireMember(principal);
    if (!isWellFormedId(id)) throw new NotFoundError("connection", id);
    return canSee(caller).admit(await this.store.get(caller.organization_id, id), id);
  }

  async list(
    principal: Principal,
    query: ValidListConnectionsQuery,
  ): Promise<{ data: ConnectionRecord[]; next_cursor: string | null }> {
    const caller = requireMember(principal);
    const { limit, cursor, ...filters } = query;
    const scope = canonicalJson([caller.organization_id, caller.user_id, filters]);
    const after = cursor ? JSON.parse(this.cursors.decode(scope, cursor)) : undefined;
    const page = await this.store.list({
      organizationId: caller.organization_id,
      rule: seeRule(caller),
      filters,
      limit,
      ...(after ? { after: { created_at: String(after[0]), id: String(after[1]) } } : {}),
    });
    // A filtered page may end short of `limit`, even empty, where its read budget ran out: the cursor
    // continues from where both key ranges were read to, not from its last item.
    const { next } = page;
    return {
      data: page.items,
      next_cursor: next ? this.cursors.encode(scope, JSON.stringify([next.created_at, next.id])) : null,
    };
  }

  /** Changes the given fields; `ifMatch` (ETags) makes it fail with 412 if the connection changed. */
  update(principal: Principal, id: string, patch: UpdateConnectionCommand, ifMatch?: string[]) {
    const caller = requireMember(principal);
    return this.modify(canChange(caller), id, ifMatch, "updated", async (record) => {
      const { is_paused, ...fields } = patch;
      const next = { ...record, ...definedOnly(fields), is_paused: is_paused ?? record.is_paused };
      if (next.is_service_account && next.access_scope !== "organizational") {
        throw ValidationError.at(
          "is_service_account",
          "custom",
          "A service account connection must have access_scope organizational",
        );
      }
      if (patch.version !== undefined)
        checkVersion(await this.connectors.get(record.connector_id), patch.version);
      await this.secrets.followScope(record, next);
      return next;
    });
  }

  /**
   * Replaces the credentials as a new version of the same secret (same ARN; the previous version
   * stays as AWSPREVIOUS), or creates the secret if the connection had none. Repeating the rotation
   * that wrote the current version changes nothing, so a retried PUT does not push the old
   * credentials out of AWSPREVIOUS. `actor` is who is recorded, when not the caller.
   */
  rotateCredentials(
    principal: Principal,
    id: string,
    input: RotateCredentialsCommand,
    ifMatch?: string[],
    actor?: Actor,
  ) {
    const caller = requireMember(principal);
    const payload = credentialPayload(input);
    if (!payload) throw ValidationError.at("security", "required", "Send security, headers or both");
    return this.modify(canChange(caller, actor), id, ifMatch, "credentials_rotated", async (record) => {
      checkCredentials(await this.connectors.get(record.connector_id), input);
      return this.secrets.writeCredentials(record, payload, authMethodOf(input));
    });
  }

  /**
   * Stores a token obtained from the provider (browser authorization or refresh) as the next
   * version of the connection's secret: the same id and ARN, status active. Recorded as connvault's
   * own change (`by`), or as `actor`'s when someone started it (an end user on the connect page).
   */
  storeOAuthToken(
    organizationId: string,
    id: string,
    token: OAuth2Token,
    change: { type: "authorized" | "credentials_rotated"; by: string; actor?: Actor },
  ): Promise<ConnectionRecord> {
    const payload: CredentialPayload = { security: { authMethod: "oauth2", oauth2Token: token } };
    const access = systemAccess(organizationId, change.by);
    const as = change.actor ? { ...access, actor: change.actor } : access;
    return this.modify(as, id, undefined, change.type, (record) =>
      this.secrets.writeCredentials(record, payload, "oauth2"),
    );
  }

  /**
   * The reconciler found the connection's secret gone or scheduled for deletion: the record stops
   * pointing at it (credentials null, so the status becomes credentials_missing or
   * pending_authorization) and keeps `reason` as health_reason. Only if it still points at `arn`;
   * null when nothing changed (the connection is gone, or no longer points there).
   */
  async markCredentialsMissing(
    organizationId: string,
    id: string,
    reason: string,
    arn: string,
  ): Promise<ConnectionRecord | null> {
    let marked: ConnectionRecord | null = null;
    try {
      const record = await this.modify(
        systemAccess(organizationId, "reconciler"),
        id,
        undefined,
        "health_reported",
        (record) => {
          marked = record.auth_aws_arn === arn ? record : null;
          if (!marked) return null;
          return {
            ...record,
            credentials: null,
            auth_aws_arn: null,
            header_names: [],
            health_reason: reason,
          };
        },
      );
      if (!marked) return null;
      await this.secrets.releaseClaim(marked);
      return record;
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  /** Records a health report from the platform; any caller who can see the connection may send one. */
  async reportHealth(
    principal: Principal,
    id: string,
    input: HealthInput,
    idempotencyKey?: string,
  ): Promise<Replayable<ConnectionRecord>> {
    const caller = requireMember(principal);
    const request = fingerprint({ op: "health", caller: caller.user_id, input });
    let replayed = false;
    const result = await this.modify(canSee(caller), id, undefined, "health_reported", (record) => {
      const earlier = idempotencyKey && record.idempotency.find((entry) => entry.key === idempotencyKey);
      if (earlier) {
        if (earlier.fingerprint !== request) throw new IdempotencyKeyReusedError();
        replayed = true;
        return null;
      }
      const now = this.clock.now().toISOString();
      return {
        ...record,
        health: input.healthy ? "healthy" : "unhealthy",
        health_reason: input.reason ?? null,
        ...(input.healthy ? { last_healthy_at: now } : { last_unhealthy_at: now }),
        idempotency: idempotencyKey
          ? remember(record.idempotency, { key: idempotencyKey, fingerprint: request, operation: "health" })
          : record.idempotency,
      };
    });
    return { result, replayed };
  }

  /**
   * Deletes the record, then its managed secret (scheduled with the recovery window, or at once
   * with `force`); an adopted secret is never touched. If an earlier attempt deleted the record but
   * not the secret, a retry finds the secret by its name and finishes the job.
   */
  async delete(principal: Principal, id: string, options: { force: boolean }): Promise<void> {
    const caller = requireMember(principal);
    if (!isWellFormedId(id)) throw new NotFoundError("connection", id);
    const deleted = await this.store.delete(caller.organization_id, id, changeRule(caller));
    if (deleted) return this.secrets.deleteFor(deleted, options);
    const existing = await this.store.get(caller.organization_id, id);
    if (existing) {
      assertCanChange(caller, existing, id);
      throw new ConflictError(
        "concurrent_update",
        "The connection changed while it was being deleted; retry",
      );
    }
    // The record is gone: an earlier attempt may have left its secret behind.
    if (!(await this.secrets.deleteOrphan(caller, id, options))) throw new NotFoundError("connection", id);
  }

  /**
   * Read, change, write with `revision = expected`. With If-Match a lost race is a 412; without it
   * the change is applied again to the newer revision. `change` returns null to write nothing.
   */
  private async modify(
    access: Access,
    id: string,
    ifMatch: string[] | undefined,
    changeType: ConnectionChange["type"],
    change: (record: ConnectionRecord) => ConnectionRecord | null | Promise<ConnectionRecord | null>,
  ): Promise<ConnectionRecord> {
    if (!isWellFormedId(id)) throw new NotFoundError("connection", id);
    for (let attempt = 1; ; attempt++) {
      const record = access.admit(await this.store.get(access.organizationId, id), id);
      if (ifMatch && !ifMatch.includes("*") && !ifMatch.includes(etagOf(record))) {
        throw new PreconditionFailedError();
      }
      const changed = await change(record);
      if (!changed) return record;
      const next = withStatus({
        ...changed,
        last_change: { type: changeType, actor: access.actor },
        revision: record.revision + 1,
        updated_at: this.clock.now().toISOString(),
      });
      if (await this.store.replace(next, record.revision)) return next;
      if (ifMatch) throw new PreconditionFailedError();
      if (attempt >= WRITE_ATTEMPTS)
        throw new ConflictError("concurrent_update", "The connection kept changing; retry");
    }
  }

  private async insert(
    record: ConnectionRecord,
    request: string,
    idempotencyKey: string | undefined,
  ): Promise<Replayable<ConnectionRecord>> {
    let created: boolean;
    try {
      created = await this.store.create(record);
    } catch (error) {
      await this.secrets.compensate(record, idempotencyKey);
      throw error;
    }
    if (created) return { result: record, replayed: false };
    // The id exists: an earlier attempt of this request (or, with a key, a duplicate) got there first.
    const existing = await this.store.get(record.organization_id, record.id);
    if (!existing)
      throw new ConflictError("concurrent_update", "The connection changed while it was created; retry");
    const first = existing.idempotency.find((entry) => entry.operation === "create");
    if (idempotencyKey && first?.fingerprint !== request) {
      await this.secrets.undoMismatch(record, existing);
      throw new IdempotencyKeyReusedError();
    }
    return { result: existing, replayed: Boolean(idempotencyKey) };
  }
}

/** A connection that would wait for an OAuth2 authorization needs a connector that can give one. */
function checkAuthorizable(connector: Connector, input: CreateConnectionCommand): void {
  const pending = connector.auth_type === "oauth2" && authMethodOf(input) === null && !input.auth_aws_arn;
  if (pending && !connector.oauth2?.client_id) throw new OAuth2ClientNotConfiguredError(connector.id);
}

const withStatus = (record: ConnectionRecord): ConnectionRecord => ({
  ...record,
  status: deriveStatus(record),
});

const definedOnly = <T extends object>(value: T) =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

function remember(entries: ConnectionRecord["idempotency"], entry: ConnectionRecord["idempotency"][number]) {
  const others = entries.filter((e) => e.operation !== "create");
  const create = entries.filter((e) => e.operation === "create");
  return [...create, ...others.slice(-(REMEMBERED_KEYS - 1)), entry];
}

function checkVersion(connector: Connector, version: string | null | undefined): void {
  if (!findVersion(connector, version)) {
    throw ValidationError.at(
      "version",
      "unknown_version",
      `Connector ${connector.id} has no version ${version}`,
    );
  }
}
