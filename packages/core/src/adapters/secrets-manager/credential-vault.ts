import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { SecretExistsError, SecretMissingError } from "../../connections/connection.errors.ts";
import type {
  CredentialPayload,
  CredentialVault,
  SecretDescription,
  SecretOwner,
} from "../../connections/credential-vault.ts";
import { translateAwsError } from "../aws-errors.ts";

export interface SecretsManagerVaultOptions {
  /** `<app>/<stage>`: every secret is named `<prefix>/connections/<org>/<connection>`. */
  prefix: string;
  kmsKeyId?: string;
  /** Days a deleted secret stays recoverable (7–30). */
  recoveryWindowDays: number;
}

/** Secrets Manager behind the write-only CredentialVault port; it never calls GetSecretValue. */
export class SecretsManagerVault implements CredentialVault {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly options: SecretsManagerVaultOptions,
  ) {}

  managedSecretId(owner: Pick<SecretOwner, "organizationId" | "connectionId">): string {
    return `${this.namespace()}${owner.organizationId}/${owner.connectionId}`;
  }

  async create(owner: SecretOwner, payload: CredentialPayload, token: string): Promise<{ arn: string }> {
    const command = new CreateSecretCommand({
      Name: this.managedSecretId(owner),
      ClientRequestToken: token,
      SecretString: JSON.stringify(payload),
      Description: `connvault credentials of connection ${owner.connectionId}`,
      ...(this.options.kmsKeyId ? { KmsKeyId: this.options.kmsKeyId } : {}),
      Tags: [
        { Key: "connvault:organization_id", Value: owner.organizationId },
        { Key: "connvault:connection_id", Value: owner.connectionId },
        { Key: "connvault:connector_id", Value: owner.connectorId },
      ],
    });
    // A name scheduled for deletion cannot be reused: to the caller that is a conflict, not a missing secret.
    const { ARN } = await this.call(
      () => this.client.send(command),
      () => new SecretExistsError(),
    );
    if (!ARN) throw new Error("CreateSecret returned no ARN");
    return { arn: ARN };
  }

  async putVersion(arn: string, payload: CredentialPayload, token: string): Promise<void> {
    const command = new PutSecretValueCommand({
      SecretId: arn,
      ClientRequestToken: token,
      SecretString: JSON.stringify(payload),
    });
    await this.call(
      () => this.client.send(command),
      () => new SecretMissingError(arn),
    );
  }

  async delete(secretId: string, { force }: { force: boolean }): Promise<void> {
    const window = force
      ? { ForceDeleteWithoutRecovery: true }
      : { RecoveryWindowInDays: this.options.recoveryWindowDays };
    await this.call(
      () => this.client.send(new DeleteSecretCommand({ SecretId: secretId, ...window })),
      () => new SecretMissingError(secretId),
    );
  }

  async describe(secretId: string): Promise<SecretDescription | null> {
    try {
      const secret = await this.client.send(new DescribeSecretCommand({ SecretId: secretId }));
      return {
        arn: secret.ARN ?? secretId,
        tags: Object.fromEntries((secret.Tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""])),
        scheduledForDeletion: secret.DeletedDate !== undefined,
        managedByConnvault: (secret.Name ?? "").startsWith(this.namespace()),
      };
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return null;
      throw translateAwsError(error, "Secrets Manager");
    }
  }

  private namespace(): string {
    return `${this.options.prefix}/connections/`;
  }

  private async call<T>(operation: () => Promise<T>, missing: () => Error): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof ResourceExistsException) throw new SecretExistsError();
      if (error instanceof ResourceNotFoundException || error instanceof InvalidRequestException)
        throw missing();
      throw translateAwsError(error, "Secrets Manager");
    }
  }
}
