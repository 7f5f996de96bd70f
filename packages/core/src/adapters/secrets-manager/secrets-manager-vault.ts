import {
  CreateSecretCommand,
  type CreateSecretCommandInput,
  DeleteSecretCommand,
  InvalidNextTokenException,
  ListSecretsCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  TagResourceCommand,
} from "@aws-sdk/client-secrets-manager";
import { SecretExistsError, SecretMissingError } from "../../connections/connection.errors.ts";
import type {
  ConnectorSecrets,
  CredentialVault,
  InventoriedSecret,
  SecretDescription,
  SecretInventory,
  SecretOwner,
  SecretPayload,
} from "../../secrets/secrets.ports.ts";
import { translateAwsError } from "../aws-errors.ts";
import { call, describeSecret, secretName, tagsOf } from "./secrets-api.ts";

/** Tags that say who could delete the connection, so a retried delete can prove it from the secret. */
export const OWNER_TAG = "connvault:owner";
export const ACCESS_SCOPE_TAG = "connvault:access_scope";

export interface SecretsManagerVaultOptions {
  /** `<app>/<stage>`: secrets are named `<prefix>/connections/<org>/<connection>` and `<prefix>/connectors/<id>`. */
  prefix: string;
  kmsKeyId?: string;
  /** Days a deleted secret stays recoverable (7–30). */
  recoveryWindowDays: number;
}

/** Secrets Manager behind the write-only ports; it never calls GetSecretValue (secrets-manager-reader.ts does). */
export class SecretsManagerVault implements CredentialVault, ConnectorSecrets, SecretInventory {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly options: SecretsManagerVaultOptions,
  ) {}

  managedSecretId(owner: Pick<SecretOwner, "organizationId" | "connectionId">): string {
    return `${this.namespace()}${owner.organizationId}/${owner.connectionId}`;
  }

  async create(owner: SecretOwner, payload: SecretPayload, token: string): Promise<{ arn: string }> {
    const arn = await this.createSecret({
      Name: this.managedSecretId(owner),
      ClientRequestToken: token,
      SecretString: JSON.stringify(payload),
      Description: `connvault credentials of connection ${owner.connectionId}`,
      Tags: [
        { Key: "connvault:organization_id", Value: owner.organizationId },
        { Key: "connvault:connection_id", Value: owner.connectionId },
        { Key: "connvault:connector_id", Value: owner.connectorId },
        { Key: OWNER_TAG, Value: owner.owner },
        { Key: ACCESS_SCOPE_TAG, Value: owner.accessScope },
      ],
    });
    return { arn };
  }

  async putVersion(arn: string, payload: SecretPayload, token: string): Promise<void> {
    await this.putValue(arn, JSON.stringify(payload), token);
  }

  async putConnectorSecret(connectorId: string, clientSecret: string, token: string): Promise<string> {
    const name = `${this.options.prefix}/connectors/${connectorId}`;
    const value = JSON.stringify({ client_secret: clientSecret });
    try {
      return await this.createSecret({
        Name: name,
        ClientRequestToken: token,
        SecretString: value,
        Description: `connvault OAuth2 client secret of connector ${connectorId}`,
        Tags: [{ Key: "connvault:connector_id", Value: connectorId }],
      });
    } catch (error) {
      if (!(error instanceof SecretExistsError)) throw error;
      return this.putValue(name, value, token);
    }
  }

  async retag(arn: string, owner: Pick<SecretOwner, "owner" | "accessScope">): Promise<void> {
    const Tags = [
      { Key: OWNER_TAG, Value: owner.owner },
      { Key: ACCESS_SCOPE_TAG, Value: owner.accessScope },
    ];
    await call(
      () => this.client.send(new TagResourceCommand({ SecretId: arn, Tags })),
      () => new SecretMissingError(arn),
    );
  }

  async delete(secretId: string, { force }: { force: boolean }): Promise<void> {
    const window = force
      ? { ForceDeleteWithoutRecovery: true }
      : { RecoveryWindowInDays: this.options.recoveryWindowDays };
    await call(
      () => this.client.send(new DeleteSecretCommand({ SecretId: secretId, ...window })),
      () => new SecretMissingError(secretId),
    );
  }

  async describe(secretId: string): Promise<SecretDescription | null> {
    const secret = await describeSecret(
      this.client,
      secretId,
      !secretName(secretId).startsWith(this.namespace()),
    );
    if (!secret) return null;
    return {
      arn: secret.ARN ?? secretId,
      tags: tagsOf(secret),
      scheduledForDeletion: secret.DeletedDate !== undefined,
      managedByConnvault: (secret.Name ?? "").startsWith(this.namespace()),
    };
  }

  /**
   * ListSecrets filtered on the namespace, oldest first, secrets scheduled for deletion included (so
   * scheduling one does not move the pages after it). It returns metadata only, never a value.
   */
  async listManaged(
    cursor: string | null,
    limit: number,
  ): Promise<{ secrets: InventoriedSecret[]; cursor: string | null }> {
    const namespace = this.namespace();
    const list = (token: string | null) =>
      this.client.send(
        new ListSecretsCommand({
          Filters: [{ Key: "name", Values: [namespace] }],
          IncludePlannedDeletion: true,
          SortOrder: "asc",
          MaxResults: Math.min(Math.max(limit, 1), 100),
          ...(token ? { NextToken: token } : {}),
        }),
      );
    try {
      // A NextToken kept from an earlier run may have expired: start over.
      const page = await list(cursor).catch((error: unknown) => {
        if (cursor && error instanceof InvalidNextTokenException) return list(null);
        throw error;
      });
      const secrets = (page.SecretList ?? []).flatMap((secret): InventoriedSecret[] => {
        const { Name: name, ARN: arn, CreatedDate: createdAt } = secret;
        // Without a name under the namespace and a creation date there is nothing safe to decide.
        if (!name?.startsWith(namespace) || !arn || !createdAt) return [];
        const [organizationId, connectionId, ...rest] = name.slice(namespace.length).split("/");
        return [
          {
            name,
            arn,
            createdAt,
            lastChangedAt:
              secret.LastChangedDate && secret.LastChangedDate > createdAt
                ? secret.LastChangedDate
                : createdAt,
            deleted: secret.DeletedDate !== undefined,
            owner:
              organizationId && connectionId && rest.length === 0 ? { organizationId, connectionId } : null,
          },
        ];
      });
      return { secrets, cursor: page.NextToken ?? null };
    } catch (error) {
      throw translateAwsError(error, "Secrets Manager");
    }
  }

  private async createSecret(input: CreateSecretCommandInput): Promise<string> {
    const command = new CreateSecretCommand({
      ...input,
      ...(this.options.kmsKeyId ? { KmsKeyId: this.options.kmsKeyId } : {}),
    });
    // A name scheduled for deletion cannot be reused: to the caller that is a conflict, not a missing secret.
    const { ARN } = await call(
      () => this.client.send(command),
      () => new SecretExistsError(),
    );
    if (!ARN) throw new Error("CreateSecret returned no ARN");
    return ARN;
  }

  private async putValue(secretId: string, value: string, token: string): Promise<string> {
    const command = new PutSecretValueCommand({
      SecretId: secretId,
      ClientRequestToken: token,
      SecretString: value,
    });
    const { ARN } = await call(
      () => this.client.send(command),
      () => new SecretMissingError(secretId),
    );
    return ARN ?? secretId;
  }

  private namespace(): string {
    return `${this.options.prefix}/connections/`;
  }
}
