/**
 * The secret side of a connection. Ordering invariant: the secret (or the claim on an adopted one) is
 * written first and the record second, so a record never points at a missing secret. When the record
 * write fails, the secret is compensated: deleted, or its claim released, unless a keyed retry will
 * converge on it; the reconciler removes any that compensation could not. A delete goes the other way
 * round, the record first and then its secret, for the same reason.
 */
import type { KeyPrincipal } from "../api-keys/api-key.ts";
import type { AuthType, Connector } from "../connectors/connector.ts";
import type { CredentialVault, SecretOwner } from "../secrets/secrets.ports.ts";
import type { Clock } from "../shared/clock.ts";
import { ForbiddenError, PayloadTooLargeError, ValidationError } from "../shared/errors.ts";
import { IdempotencyKeyReusedError } from "../shared/idempotency.ts";
import type { SecretTokens } from "../shared/secret-token.ts";
import { couldHaveDeleted } from "./access.ts";
import {
  SecretExistsError,
  SecretMissingError,
  SecretNotAdoptableError,
  SecretNotManagedError,
} from "./connection.errors.ts";
import type { ConnectionStore, SecretClaim, SecretClaimStore } from "./connection.store.ts";
import type { AuthMethod, ConnectionRecord, CredentialPayload } from "./connection.ts";

/** Secrets Manager's limit on a secret value. */
export const MAX_SECRET_BYTES = 65_536;
/**
 * How long an adoption claim without its record counts as a create still in flight (longer than any
 * Lambda runs); after that, or once its connection no longer points at the secret, it is stale.
 */
const CLAIM_GRACE_MS = 15 * 60_000;

const AUTH_TYPE_OF: Record<AuthMethod, AuthType> = {
  apiKey: "api_key",
  basic: "basic",
  bearer: "bearer",
  oauth2: "oauth2",
};

/** Writes, adopts and cleans up the secrets behind ConnectionService's records, in the order above. */
export class ConnectionSecrets {
  constructor(
    private readonly vault: CredentialVault,
    private readonly tokens: SecretTokens,
    private readonly claims: SecretClaimStore,
    private readonly store: Pick<ConnectionStore, "get">,
    private readonly clock: Clock,
  ) {}

  /**
   * The secret of a connection being created, before its record (`draft`, not yet written): the
   * secret the request adopts (an admin's only, claimed for this connection) or a new one holding
   * its credentials; neither when it sends none. Returns what the record stores about it.
   */
  async provision(
    caller: KeyPrincipal,
    draft: ConnectionRecord,
    input: CredentialPayload & { auth_aws_arn?: string | undefined },
    idempotencyKey: string | undefined,
  ): Promise<Pick<ConnectionRecord, "auth_aws_arn" | "credentials">> {
    const payload = credentialPayload(input);
    const now = draft.created_at;
    if (input.auth_aws_arn) {
      if (caller.role !== "admin") throw new ForbiddenError("Only an admin may adopt an existing secret");
      const arn = await this.adopt(caller, input.auth_aws_arn);
      await this.claim({ arn, connection_id: draft.id, claimed_at: now }, caller.organization_id);
      const credentials = {
        auth_method: null,
        version: 1,
        updated_at: now,
        managed: false,
        version_id: null,
      };
      return { auth_aws_arn: arn, credentials };
    }
    if (!payload) return { auth_aws_arn: null, credentials: null };
    const token = this.secretToken(draft.id, 1, payload);
    return {
      auth_aws_arn: await this.createSecret(secretOwner(draft), payload, token, idempotencyKey),
      credentials: {
        auth_method: authMethodOf(input),
        version: 1,
        updated_at: now,
        managed: true,
        version_id: token,
      },
    };
  }

  /** Creates a new connection's secret and returns its ARN. */
  private async createSecret(
    owner: SecretOwner,
    payload: CredentialPayload,
    token: string,
    idempotencyKey?: string,
  ): Promise<string> {
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

  /**
   * After a failed record write: if the record is in fact there, keep everything; if it is surely
   * absent, delete a secret only this attempt could have made. Keyed requests keep the secret, so
   * their retry converges on it.
   */
  async compensate(record: ConnectionRecord, idempotencyKey: string | undefined): Promise<void> {
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
  async undoMismatch(record: ConnectionRecord, existing: ConnectionRecord): Promise<void> {
    const arn = record.auth_aws_arn;
    if (!arn || !record.credentials || existing.auth_aws_arn === arn) return;
    // Best effort: writeCredentials reclaims a secret that this clean-up could not remove.
    if (record.credentials.managed) await this.vault.delete(arn, { force: true }).catch(() => undefined);
    else await this.release(record.organization_id, arn, record.id);
  }

  /**
   * The record after writing `payload` as the connection's next secret version (or its first
   * secret). Writing what the current version already holds changes nothing and returns null.
   */
  async writeCredentials(
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
   * A managed secret's tags say who could delete its connection (see {@link deleteOrphan}), so
   * they follow a change of the record's access scope.
   */
  async followScope(record: ConnectionRecord, next: ConnectionRecord): Promise<void> {
    if (next.access_scope === record.access_scope || !record.credentials?.managed || !record.auth_aws_arn)
      return;
    await this.vault
      .retag(record.auth_aws_arn, { owner: next.owner, accessScope: next.access_scope })
      .catch(ignoreMissing); // a secret gone is the reconciler's to report
  }

  /**
   * After its record is deleted: a managed secret is deleted (scheduled with the recovery window,
   * or at once with `force`); an adopted one is never touched, only its claim released.
   */
  async deleteFor(deleted: ConnectionRecord, options: { force: boolean }): Promise<void> {
    if (deleted.credentials?.managed && deleted.auth_aws_arn) {
      await this.vault.delete(deleted.auth_aws_arn, options).catch(ignoreMissing);
    } else await this.releaseClaim(deleted);
  }

  /**
   * A delete retried after an earlier attempt removed the record but not its secret finishes the
   * job, found by the secret's name. Only a secret whose tags prove the caller could have deleted
   * that connection (its owner, or an admin for an organizational one) is deleted, and one already
   * scheduled for deletion is never turned into a forced deletion. False when there was none to delete.
   */
  async deleteOrphan(caller: KeyPrincipal, id: string, options: { force: boolean }): Promise<boolean> {
    const secretId = this.vault.managedSecretId({ organizationId: caller.organization_id, connectionId: id });
    const orphan = await this.vault.describe(secretId);
    if (!orphan || orphan.scheduledForDeletion || !couldHaveDeleted(caller, id, orphan.tags)) return false;
    await this.vault.delete(secretId, options).catch(ignoreMissing);
    return true;
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

  /** Releases the record's claim on the secret it adopted, if it adopted one. */
  async releaseClaim(record: ConnectionRecord): Promise<void> {
    if (record.credentials && !record.credentials.managed && record.auth_aws_arn)
      await this.release(record.organization_id, record.auth_aws_arn, record.id);
  }

  /** Best effort: a claim left behind is stale once its connection is gone, and taken over then. */
  private release(organizationId: string, arn: string, connectionId: string): Promise<void> {
    return this.claims.release(organizationId, arn, connectionId).catch(() => undefined);
  }

  /** The ClientRequestToken of a connection's secret version: the same write always gets the same token. */
  private secretToken(connectionId: string, version: number, payload: CredentialPayload): string {
    return this.tokens.for("connection", connectionId, version, payload);
  }
}

const secretOwner = (record: ConnectionRecord): SecretOwner => ({
  organizationId: record.organization_id,
  connectionId: record.id,
  connectorId: record.connector_id,
  owner: record.owner,
  accessScope: record.access_scope,
});

/** Swallows a SecretMissingError (the secret is already gone); rethrows anything else. */
const ignoreMissing = (error: unknown) => {
  if (!(error instanceof SecretMissingError)) throw error;
};

/**
 * The secret's value for a request's credential fields (security, headers, unified's `auth`), or null
 * when it sends none; PayloadTooLargeError above Secrets Manager's limit.
 */
export function credentialPayload(input: CredentialPayload): CredentialPayload | null {
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

/** The request without credential values: what an idempotency fingerprint may cover. */
export function redact<T extends CredentialPayload>(input: T) {
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

/** The auth_method a record's credentials show for a request's credentials (unified's `auth` object included). */
export const authMethodOf = (input: CredentialPayload) =>
  input.security?.authMethod ?? (input.auth ? "unified" : null);

/** Throws a ValidationError when the request's credentials do not fit the connector's auth type. */
export function checkCredentials(connector: Connector, input: CredentialPayload): void {
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
