import { requireMember } from "../api-keys/api-key.service.ts";
import type { KeyPrincipal, Principal } from "../api-keys/api-key.ts";
import type { ConnectorService } from "../connectors/connector.service.ts";
import type { AuthType, Connector } from "../connectors/connector.ts";
import { findVersion } from "../connectors/connector.ts";
import type { OAuth2Token } from "../oauth/oauth.ts";
import type { Clock } from "../shared/clock.ts";
import type { CursorCodec } from "../shared/cursor.ts";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  ValidationError,
} from "../shared/errors.ts";
import {
  canonicalJson,
  deterministicId,
  fingerprint,
  IdempotencyKeyReusedError,
  type Replayable,
} from "../shared/idempotency.ts";
import { isWellFormedId, newId } from "../shared/ids.ts";
import type { SecretTokens } from "../shared/secret-token.ts";
import { allows, assertCanChange, changeRule, seeRule } from "./access.ts";
import {
  PreconditionFailedError,
  SecretExistsError,
  SecretMissingError,
  SecretNotAdoptableError,
  SecretNotManagedError,
} from "./connection.errors.ts";
import type { ConnectionStore, SecretClaim, SecretClaimStore } from "./connection.store.ts";
import {
  type Actor,
  type AuthMethod,
  type ConnectionChange,
  type ConnectionRecord,
  deriveStatus,
  type HealthInput,
  type RotateCredentialsInput,
  type SecurityInput,
  type UpdateConnectionInput,
  type ValidCreateConnectionInput,
  type ValidListConnectionsQuery,
} from "./connection.ts";
import type { CredentialPayload, CredentialVault, SecretOwner } from "./credential-vault.ts";

/** Secrets Manager's limit on a secret value. */
export const MAX_SECRET_BYTES = 65_536;
/**
 * How long an adoption claim without its record counts as a create still in flight (longer than any
 * Lambda runs); after that, or once its connection no longer points at the secret, it is stale.
 */
const CLAIM_GRACE_MS = 15 * 60_000;
/** How many keyed requests a connection remembers for replays (besides the one that created it). */
const REMEMBERED_KEYS = 20;
/** Attempts at an optimistic write when no If-Match pins the revision. */
const WRITE_ATTEMPTS = 3;

const AUTH_TYPE_OF: Record<AuthMethod, AuthType> = {
  apiKey: "api_key",
  basic: "basic",
  bearer: "bearer",
  oauth2: "oauth2",
};

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
  constructor(
    private readonly store: ConnectionStore,
    private readonly vault: CredentialVault,
    private readonly connectors: ConnectorService,
    private readonly cursors: CursorCodec,
    private readonly clock: Clock,
    private readonly tokens: SecretTokens,
    private readonly claims: SecretClaimStore,
  ) {}

  /**
   * Creates a connection. Ordering invariant: the secret is written first and the record second,
   * so a record never points at a missing secret. With an Idempotency-Key the connection id and
   * the secret's ClientRequestToken are functions of the key, so a retry or a concurrent duplicate
   * converges on the same connection and secret; without one, a failed record write deletes the
   * secret again (and the reconciler removes any that compensation could not).
   */
  async create(
    principal: Principal,
    connectorId: string,
    input: CreateConnectionCommand,
    idempotencyKey?: string,
  ): Promise<Replayable<ConnectionRecord>> {
    const caller = requireMember(principal);
    const connector = await this.connectors.get(connectorId);
    checkCredentials(connector, input);
    checkVersion(connector, input.version);
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
    const payload = credentialPayload(input);
    const id = idempotencyKey ? connectionIdFor(caller.organization_id, idempotencyKey) : newId("conn");
    const request = fingerprint({
      op: "create",
      connector: connector.id,
      caller: caller.user_id,
      input: redact(input),
    });
    const owner: SecretOwner = {
      organizationId: caller.organization_id,
      connectionId: id,
      connectorId: connector.id,
      owner: input.owner ?? caller.user_id,
      accessScope: input.access_scope,
    };
    const now = this.clock.now().toISOString();

    let credentials: ConnectionRecord["credentials"] = null;
    let arn: string | null = null;
    if (input.auth_aws_arn) {
      if (caller.role !== "admin") throw new ForbiddenError("Only an admin may adopt an existing secret");
      arn = await this.adopt(caller, input.auth_aws_arn);
      await this.claim({ arn, connection_id: id, claimed_at: now }, caller.organization_id);
      credentials = { auth_method: null, version: 1, updated_at: now, managed: false, version_id: null };
    } else if (payload) {
      const token = this.secretToken(id, 1, payload);
      arn = await this.createSecret(owner, payload, token, idempotencyKey);
      credentials = {
        auth_method: authMethodOf(input),
        version: 1,
        updated_at: now,
        managed: true,
        version_id: token,
      };
    }
    const record = withStatus({
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
      credentials,
      auth_aws_arn: arn,
      is_paused: input.is_paused ?? false,
      health: null,
      health_reason: null,
      last_healthy_at: null,
      last_unhealthy_at: null,
      redirect_url: input.redirect_url ?? null,
      idempotency: idempotencyKey ? [{ key: idempotencyKey, fingerprint: request, operation: "create" }] : [],
      created_at: now,
      updated_at: now,
      last_change: { type: "created", actor: { type: "user", id: caller.user_id } },
      revision: 1,
    });
    return this.insert(record, request, idempotencyKey);
  }

  /** A connection the caller may see; anything else (another organization, another user's personal one) is 404. */
  async get(principal: Principal, id: string): Promise<ConnectionRecord> {
    const caller = requireMember(principal);
    if (!isWellFormedId(id)) throw new NotFoundError("connection", id);
    const record = await this.store.get(caller.organization_id, id);
    if (!record || !allows(seeRule(caller), record)) throw new NotFoundError("connection", id);
    return record;
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
      // The managed secret's tags say who could delete the connection: they follow its access scope.
      if (next.access_scope !== record.access_scope && record.credentials?.managed && record.auth_aws_arn) {
        await this.vault
          .retag(record.auth_aws_arn, { owner: next.owner, accessScope: next.access_scope })
          .catch(ignoreMissing); // a secret gone is the reconciler's to report
      }
      return next;
    });
  }

  /**
   * Replaces the credentials as a new version of the same secret (same ARN; the previous version
   * stays as AWSPREVIOUS), or creates the secret if the connection had none. Repeating the rotation
   * that wrote the current version changes nothing, so a retried PUT does not push the old
   * credentials out of AWSPREVIOUS.
   */
  rotateCredentials(principal: Principal, id: string, input: RotateCredentialsCommand, ifMatch?: string[]) {
    const caller = requireMember(principal);
    const payload = credentialPayload(input);
    if (!payload) throw ValidationError.at("security", "required", "Send security, headers or both");
    return this.modify(canChange(caller), id, ifMatch, "credentials_rotated", async (record) => {
      checkCredentials(await this.connectors.get(record.connector_id), input);
      return this.writeCredentials(record, payload, authMethodOf(input));
    });
  }

  /**
   * Stores a token obtained from the provider (browser authorization or refresh) as the next
   * version of the connection's secret: the same id and ARN, status active.
   */
  storeOAuthToken(
    organizationId: string,
    id: string,
    token: OAuth2Token,
    change: { type: "authorized" | "credentials_rotated"; by: string },
  ): Promise<ConnectionRecord> {
    const payload: CredentialPayload = { security: { authMethod: "oauth2", oauth2Token: token } };
    return this.modify(systemAccess(organizationId, change.by), id, undefined, change.type, (record) =>
      this.writeCredentials(record, payload, "oauth2"),
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
    let marked = false;
    let adopted = false;
    try {
      const record = await this.modify(
        systemAccess(organizationId, "reconciler"),
        id,
        undefined,
        "health_reported",
        (record) => {
          marked = record.auth_aws_arn === arn;
          adopted = record.credentials?.managed === false;
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
      if (marked && adopted) await this.release(organizationId, arn, id);
      return marked ? record : null;
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
    if (deleted) {
      if (deleted.credentials?.managed && deleted.auth_aws_arn) {
        await this.vault.delete(deleted.auth_aws_arn, options).catch(ignoreMissing);
      } else if (deleted.credentials && deleted.auth_aws_arn) {
        await this.release(deleted.organization_id, deleted.auth_aws_arn, id);
      }
      return;
    }
    const existing = await this.store.get(caller.organization_id, id);
    if (existing) {
      assertCanChange(caller, existing, id);
      throw new ConflictError(
        "concurrent_update",
        "The connection changed while it was being deleted; retry",
      );
    }
    /*
     * The record is gone: only a secret whose tags prove the caller could have deleted that
     * connection (its owner, or an admin for an organizational one) is finished, and one already
     * scheduled for deletion is never turned into a forced deletion. Anything else is 404.
     */
    const secretId = this.vault.managedSecretId({ organizationId: caller.organization_id, connectionId: id });
    const orphan = await this.vault.describe(secretId);
    if (!orphan || orphan.scheduledForDeletion || !couldHaveDeleted(caller, id, orphan.tags)) {
      throw new NotFoundError("connection", id);
    }
    await this.vault.delete(secretId, options).catch(ignoreMissing);
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

  /**
   * The record after writing `payload` as the connection's next secret version (or its first
   * secret). Writing what the current version already holds changes nothing and returns null.
   */
  private async writeCredentials(
    record: ConnectionRecord,
    payload: CredentialPayload,
    authMethod: NonNullable<ConnectionRecord["credentials"]>["auth_method"],
  ): Promise<ConnectionRecord | null> {
    const current = record.credentials;
    if (current && !current.managed) throw new SecretNotManagedError();
    if (current && current.version_id === this.secretToken(record.id, current.version, payload)) return null;
    const version = (current?.version ?? 0) + 1;
    const token = this.secretToken(record.id, version, payload);
    let arn = record.auth_aws_arn;
    if (arn) await this.vault.putVersion(arn, payload, token);
    else arn = await this.createOrReclaim(record, payload, token);
    return {
      ...record,
      auth_aws_arn: arn,
      header_names: Object.keys(payload.headers ?? {}),
      credentials: {
        auth_method: authMethod,
        version,
        updated_at: this.clock.now().toISOString(),
        managed: true,
        version_id: token,
      },
    };
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
      await this.compensate(record, idempotencyKey);
      throw error;
    }
    if (created) return { result: record, replayed: false };
    // The id exists: an earlier attempt of this request (or, with a key, a duplicate) got there first.
    const existing = await this.store.get(record.organization_id, record.id);
    if (!existing)
      throw new ConflictError("concurrent_update", "The connection changed while it was created; retry");
    const first = existing.idempotency.find((entry) => entry.operation === "create");
    if (idempotencyKey && first?.fingerprint !== request) {
      await this.undoMismatch(record, existing);
      throw new IdempotencyKeyReusedError();
    }
    return { result: existing, replayed: Boolean(idempotencyKey) };
  }

  /**
   * After a failed record write: if the record is in fact there, keep everything; if it is surely
   * absent, delete a secret only this attempt could have made. Keyed requests keep the secret, so
   * their retry converges on it.
   */
  private async compensate(record: ConnectionRecord, idempotencyKey: string | undefined): Promise<void> {
    if (idempotencyKey || !record.credentials || !record.auth_aws_arn) return;
    const stored = await this.store.get(record.organization_id, record.id).catch(() => undefined);
    if (stored !== null) return;
    if (record.credentials.managed)
      await this.vault.delete(record.auth_aws_arn, { force: true }).catch(() => undefined);
    else await this.release(record.organization_id, record.auth_aws_arn, record.id);
  }

  /**
   * A keyed create that turned out to reuse another request's key must leave nothing behind: the
   * existing connection does not point at what this request wrote (the secret it created under the
   * connection's name, or the claim on the secret it adopted), so that is removed again. When the
   * existing record points at the same secret, the write was an idempotent no-op and stays.
   */
  private async undoMismatch(record: ConnectionRecord, existing: ConnectionRecord): Promise<void> {
    const arn = record.auth_aws_arn;
    if (!arn || !record.credentials || existing.auth_aws_arn === arn) return;
    // Best effort: writeCredentials reclaims a secret that this clean-up could not remove.
    if (record.credentials.managed) await this.vault.delete(arn, { force: true }).catch(() => undefined);
    else await this.release(record.organization_id, arn, record.id);
  }

  /**
   * Creates the connection's first secret. If its name is taken by a secret that no record points at
   * (one a request with a reused Idempotency-Key left behind, say), connvault created it for this
   * very connection (the name holds the organization and connection ids, and only connvault writes
   * under its prefix): the credentials become its next version instead of failing with secret_exists.
   * If its owner and scope tags are not this record's (another caller made it), it is deleted and
   * made again, so the tags never let anyone else finish this connection's delete. A secret
   * scheduled for deletion is still refused.
   */
  private async createOrReclaim(
    record: ConnectionRecord,
    payload: CredentialPayload,
    token: string,
  ): Promise<string> {
    const owner = secretOwner(record);
    try {
      return (await this.vault.create(owner, payload, token)).arn;
    } catch (error) {
      if (!(error instanceof SecretExistsError)) throw error;
      const found = await this.vault.describe(this.vault.managedSecretId(owner));
      const ours =
        found?.tags["connvault:organization_id"] === record.organization_id &&
        found.tags["connvault:connection_id"] === record.id;
      if (!found || found.scheduledForDeletion || !ours) throw error;
      if (
        found.tags["connvault:owner"] === record.owner &&
        found.tags["connvault:access_scope"] === record.access_scope
      ) {
        await this.vault.putVersion(found.arn, payload, token);
        return found.arn;
      }
      await this.vault.delete(found.arn, { force: true }).catch(ignoreMissing);
      return (await this.vault.create(owner, payload, token)).arn;
    }
  }

  /**
   * Records that `claim.connection_id` adopted the secret, before the record is written (claim
   * first, like the secret-before-record order; a failed record write releases it again). A claim
   * held by another connection is taken over only when stale: that connection no longer points at
   * the secret, or has no record long after the claim was made.
   */
  private async claim(claim: SecretClaim, organizationId: string): Promise<void> {
    if (await this.claims.claim(organizationId, claim)) return;
    const held = await this.claims.get(organizationId, claim.arn);
    const stale = held ? await this.isStale(organizationId, held) : true;
    if (stale && (await this.claims.claim(organizationId, claim, held?.connection_id))) return;
    throw ValidationError.at(
      "auth_aws_arn",
      "secret_already_adopted",
      "This secret is already adopted by another connection; an adopted secret belongs to one connection",
    );
  }

  private async isStale(organizationId: string, held: SecretClaim): Promise<boolean> {
    const holder = await this.store.get(organizationId, held.connection_id);
    if (holder) return holder.auth_aws_arn !== held.arn;
    return this.clock.now().getTime() - Date.parse(held.claimed_at) > CLAIM_GRACE_MS;
  }

  /** Best effort: a claim left behind is stale once its connection is gone, and taken over then. */
  private release(organizationId: string, arn: string, connectionId: string): Promise<void> {
    return this.claims.release(organizationId, arn, connectionId).catch(() => undefined);
  }

  private async createSecret(
    owner: SecretOwner,
    payload: CredentialPayload,
    token: string,
    idempotencyKey?: string,
  ) {
    try {
      return (await this.vault.create(owner, payload, token)).arn;
    } catch (error) {
      if (error instanceof SecretExistsError && idempotencyKey) throw new IdempotencyKeyReusedError();
      if (!idempotencyKey) {
        // The secret may exist although the call failed (a lost response); nothing will ever point at it.
        const secretId = this.vault.managedSecretId(owner);
        await this.vault.delete(secretId, { force: true }).catch(() => undefined);
      }
      throw error;
    }
  }

  /** Checks that an existing secret may be adopted and returns its canonical ARN. */
  private async adopt(caller: KeyPrincipal, arn: string): Promise<string> {
    const reject = (code: string, message: string) => ValidationError.at("auth_aws_arn", code, message);
    const untagged = "Tag the secret with connvault:organization_id = your organization id to adopt it";
    const secret = await this.vault.describe(arn).catch((error: unknown) => {
      // On AWS a missing secret and an untagged one look alike: both are AccessDenied.
      if (error instanceof SecretNotAdoptableError)
        throw reject("secret_not_tagged", `${untagged} (and check that the ARN exists)`);
      throw error;
    });
    if (!secret || secret.scheduledForDeletion)
      throw reject("secret_not_found", "No such secret (or it is scheduled for deletion)");
    if (secret.managedByConnvault)
      throw reject("secret_managed", "A secret managed by connvault cannot be adopted");
    if (secret.tags["connvault:organization_id"] !== caller.organization_id)
      throw reject("secret_not_tagged", untagged);
    return secret.arn;
  }

  /** The ClientRequestToken of a connection's secret version: the same write always gets the same token. */
  private secretToken(connectionId: string, version: number, payload: CredentialPayload): string {
    return this.tokens.for("connection", connectionId, version, payload);
  }
}

/** Which records an operation may act on, within one organization. */
interface Access {
  organizationId: string;
  /** Who acts, as recorded in last_change and the lifecycle event. */
  actor: Actor;
  /** The record if the operation may act on it; otherwise throws (404 or 403). */
  admit(stored: ConnectionRecord | null, id: string): ConnectionRecord;
}

const canChange = (caller: KeyPrincipal): Access => ({
  organizationId: caller.organization_id,
  actor: { type: "user", id: caller.user_id },
  admit: (stored, id) => assertCanChange(caller, stored, id),
});

const canSee = (caller: KeyPrincipal): Access => ({
  organizationId: caller.organization_id,
  actor: { type: "user", id: caller.user_id },
  admit: (stored, id) => {
    if (!stored || !allows(seeRule(caller), stored)) throw new NotFoundError("connection", id);
    return stored;
  },
});

/** connvault itself (the OAuth2 callback, the resolver's refresh, the reconciler): no caller to check. */
const systemAccess = (organizationId: string, by: string): Access => ({
  organizationId,
  actor: { type: "system", id: by },
  admit: (stored, id) => {
    if (!stored) throw new NotFoundError("connection", id);
    return stored;
  },
});

const withStatus = (record: ConnectionRecord): ConnectionRecord => ({
  ...record,
  status: deriveStatus(record),
});

const secretOwner = (record: ConnectionRecord): SecretOwner => ({
  organizationId: record.organization_id,
  connectionId: record.id,
  connectorId: record.connector_id,
  owner: record.owner,
  accessScope: record.access_scope,
});

/** Whether a connection secret's tags show that the caller could have deleted its connection. */
function couldHaveDeleted(caller: KeyPrincipal, id: string, tags: Record<string, string>): boolean {
  const owner = tags["connvault:owner"];
  const scope = tags["connvault:access_scope"];
  if (tags["connvault:organization_id"] !== caller.organization_id) return false;
  if (tags["connvault:connection_id"] !== id || !owner) return false;
  return allows(changeRule(caller), {
    owner,
    access_scope: scope === "organizational" ? "organizational" : "personal",
  });
}

const ignoreMissing = (error: unknown) => {
  if (!(error instanceof SecretMissingError)) throw error;
};

const definedOnly = <T extends object>(value: T) =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

function remember(entries: ConnectionRecord["idempotency"], entry: ConnectionRecord["idempotency"][number]) {
  const others = entries.filter((e) => e.operation !== "create");
  const create = entries.filter((e) => e.operation === "create");
  return [...create, ...others.slice(-(REMEMBERED_KEYS - 1)), entry];
}

/** The request without credential values: what an idempotency fingerprint may cover. */
function redact(input: CreateConnectionCommand) {
  const { security, headers, auth, ...rest } = input;
  return {
    ...rest,
    security: security
      ? {
          authMethod: security.authMethod,
          ...("headerName" in security ? { headerName: security.headerName } : {}),
        }
      : null,
    header_names: Object.keys(headers ?? {}).sort(),
    auth: auth !== undefined,
  };
}

const authMethodOf = (input: { security?: SecurityInput; auth?: object }) =>
  input.security?.authMethod ?? (input.auth ? "unified" : null);

function checkVersion(connector: Connector, version: string | null | undefined): void {
  if (!findVersion(connector, version)) {
    throw ValidationError.at(
      "version",
      "unknown_version",
      `Connector ${connector.id} has no version ${version}`,
    );
  }
}

function checkCredentials(connector: Connector, input: { security?: SecurityInput; headers?: object }): void {
  const { security } = input;
  if (security && AUTH_TYPE_OF[security.authMethod] !== connector.auth_type) {
    throw ValidationError.at(
      "security.authMethod",
      "auth_method_mismatch",
      `Connector ${connector.id} uses auth_type ${connector.auth_type}; authMethod ${security.authMethod} does not fit it`,
    );
  }
  // Authorization rewrites an OAuth2 connection's secret with the new token, and connvault cannot
  // read the old version to carry other values over: such connections hold the token only.
  if (input.headers && connector.auth_type === "oauth2") {
    throw ValidationError.at(
      "headers",
      "not_supported",
      "OAuth2 connections cannot carry write-only headers; use general_params for non-secret headers",
    );
  }
}

function credentialPayload(input: {
  security?: SecurityInput;
  headers?: Record<string, string>;
  auth?: Record<string, unknown>;
}): CredentialPayload | null {
  if (!input.security && !input.headers && !input.auth) return null;
  const payload: CredentialPayload = {
    ...(input.security ? { security: input.security } : {}),
    ...(input.headers ? { headers: input.headers } : {}),
    ...(input.auth ? { auth: input.auth } : {}),
  };
  if (Buffer.byteLength(JSON.stringify(payload)) > MAX_SECRET_BYTES) {
    throw new PayloadTooLargeError(`The credentials exceed ${MAX_SECRET_BYTES} bytes`);
  }
  return payload;
}
