import {
  CreateSecretCommand,
  DeleteSecretCommand,
  ResourceExistsException,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import type { CredentialPayload, CredentialVault, SecretOwner } from "../../connections/credential-vault.ts";
import { ConflictError } from "../../shared/errors.ts";
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

  secretName(owner: SecretOwner): string {
    return `${this.options.prefix}/connections/${owner.organizationId}/${owner.connectionId}`;
  }

  async create(owner: SecretOwner, payload: CredentialPayload, token: string): Promise<{ arn: string }> {
    const command = new CreateSecretCommand({
      Name: this.secretName(owner),
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
    try {
      const { ARN } = await this.client.send(command);
      if (!ARN) throw new Error("CreateSecret returned no ARN");
      return { arn: ARN };
    } catch (error) {
      if (error instanceof ResourceExistsException) {
        throw new ConflictError(
          "secret_exists",
          `The secret of connection ${owner.connectionId} already exists`,
        );
      }
      throw translateAwsError(error, "Secrets Manager");
    }
  }

  async delete(arn: string, { force }: { force: boolean }): Promise<void> {
    const window = force
      ? { ForceDeleteWithoutRecovery: true }
      : { RecoveryWindowInDays: this.options.recoveryWindowDays };
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: arn, ...window }));
    } catch (error) {
      throw translateAwsError(error, "Secrets Manager");
    }
  }
}
