import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SecretMissingError } from "../../connections/connection.errors.ts";
import type { SecretReader, SecretTags } from "../../secrets/secrets.ports.ts";
import { call, describeSecret, tagsOf } from "./secrets-api.ts";

/** GetSecretValue, for the functions whose roles may read (oauth: connector secrets; resolver: connections). */
export class SecretsManagerReader implements SecretReader, SecretTags {
  constructor(private readonly client: SecretsManagerClient) {}

  async read(secretId: string): Promise<unknown> {
    const { SecretString } = await call(
      () => this.client.send(new GetSecretValueCommand({ SecretId: secretId })),
      () => new SecretMissingError(secretId),
    );
    return JSON.parse(SecretString ?? "null");
  }

  async tags(secretId: string): Promise<Record<string, string>> {
    const secret = await describeSecret(this.client, secretId, true);
    if (!secret || secret.DeletedDate) throw new SecretMissingError(secretId);
    return tagsOf(secret);
  }
}
