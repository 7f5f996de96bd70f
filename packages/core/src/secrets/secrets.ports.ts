/** What a secret holds, stored as JSON text; the connections module says which fields (`CredentialPayload`). */
export type SecretPayload = object;

/**
 * Whose secret it is, as its tags record it (ids, a user id and a scope, never a credential): the owner
 * and access scope let a delete retried after its record is gone prove who could have deleted it.
 */
export interface SecretOwner {
  organizationId: string;
  connectionId: string;
  connectorId: string;
  owner: string;
  accessScope: "personal" | "organizational";
}

export interface SecretDescription {
  arn: string;
  tags: Record<string, string>;
  scheduledForDeletion: boolean;
  /** Under connvault's own `<prefix>/connections/` namespace, i.e. some connection's managed secret. */
  managedByConnvault: boolean;
}

/**
 * Where credentials go. Deliberately write-only: there is no method to read a value back, so no
 * code path of the API can leak one (the api function's IAM role cannot read secrets either).
 * Every write takes a ClientRequestToken derived from the operation, so retries are no-ops.
 */
export interface CredentialVault {
  /** Creates the connection's secret; SecretExistsError if it exists with other contents. */
  create(owner: SecretOwner, payload: SecretPayload, token: string): Promise<{ arn: string }>;
  /** Stores a new current version of an existing secret (the old one becomes AWSPREVIOUS). */
  putVersion(arn: string, payload: SecretPayload, token: string): Promise<void>;
  /** Rewrites the tags that say who could delete the connection (its owner and access scope). */
  retag(arn: string, owner: Pick<SecretOwner, "owner" | "accessScope">): Promise<void>;
  /** Removes a secret: scheduled with a recovery window, or at once with `force`. */
  delete(secretId: string, options: { force: boolean }): Promise<void>;
  /** Metadata of a secret (never its value); null when it does not exist. */
  describe(secretId: string): Promise<SecretDescription | null>;
  /** The id (name) of the secret connvault manages for a connection, whether or not it exists. */
  managedSecretId(owner: Pick<SecretOwner, "organizationId" | "connectionId">): string;
}

/** Connector OAuth2 client secrets, under `<prefix>/connectors/<connector_id>`. */
export interface ConnectorSecrets {
  /** Creates the connector's secret or stores a new version of it; returns its ARN. */
  putConnectorSecret(connectorId: string, clientSecret: string, token: string): Promise<string>;
}

/**
 * Reading secrets back. Only the oauth function (connector client secrets) and the resolver
 * (connection credentials) are built with one, and only their IAM roles may GetSecretValue.
 */
export interface SecretReader {
  /** The current value of a secret, parsed as JSON. */
  read(secretId: string): Promise<unknown>;
}

/** Metadata of a secret the resolver reads: an adopted secret's tags are checked before each read. */
export interface SecretTags {
  /**
   * The tags of a secret connvault did not create (never its value): SecretMissingError when it is
   * gone, SecretNotAdoptableError when Secrets Manager will not describe it.
   */
  tags(secretId: string): Promise<Record<string, string>>;
}

/** One secret under connvault's `<prefix>/connections/` namespace, as listed (never its value). */
export interface InventoriedSecret {
  name: string;
  arn: string;
  /** When the secret was created. */
  createdAt: Date;
  /** When its value or metadata last changed (at least `createdAt`). */
  lastChangedAt: Date;
  /** Scheduled for deletion (still listed during its recovery window). */
  deleted: boolean;
  /** The connection the name stands for; null when the name does not have connvault's shape. */
  owner: { organizationId: string; connectionId: string } | null;
}

/**
 * The secrets connvault manages, listed without reading a value (ListSecrets). Only the reconciler
 * is built with one; it finds secrets that no record points at.
 */
export interface SecretInventory {
  /**
   * One page of the managed secrets, oldest first, at most `limit` (≤ 100) of them; `cursor` is null
   * after the last page. A cursor Secrets Manager no longer accepts restarts the listing.
   */
  listManaged(
    cursor: string | null,
    limit: number,
  ): Promise<{ secrets: InventoriedSecret[]; cursor: string | null }>;
}
