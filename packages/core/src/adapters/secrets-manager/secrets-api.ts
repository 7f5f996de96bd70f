import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  InvalidRequestException,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { SecretExistsError, SecretNotAdoptableError } from "../../connections/connection.errors.ts";
import { translateAwsError } from "../aws-errors.ts";

/** The name inside a secret ARN (still with its random suffix), or the id itself when it is a name. */
export const secretName = (secretId: string) =>
  secretId.startsWith("arn:") ? secretId.slice(secretId.indexOf(":secret:") + ":secret:".length) : secretId;

export const tagsOf = (secret: DescribeSecretCommandOutput): Record<string, string> =>
  Object.fromEntries((secret.Tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""]));

/**
 * DescribeSecret; null when the secret does not exist. Outside connvault's prefix the roles may
 * describe (and the resolver read) only secrets that carry a `connvault:organization_id` tag, so AWS
 * answers AccessDenied, not ResourceNotFound, for one there that is missing or untagged: with
 * `outsidePrefix` that is SecretNotAdoptableError. Inside the prefix AccessDenied is a broken role.
 */
export async function describeSecret(
  client: SecretsManagerClient,
  secretId: string,
  outsidePrefix: boolean,
): Promise<DescribeSecretCommandOutput | null> {
  try {
    return await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return null;
    if (outsidePrefix && (error as { name?: string }).name === "AccessDeniedException")
      throw new SecretNotAdoptableError(
        "Secrets Manager does not let connvault describe this secret: it does not exist, or has no connvault:organization_id tag",
      );
    throw translateAwsError(error, "Secrets Manager");
  }
}

export async function call<T>(operation: () => Promise<T>, missing: () => Error): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof ResourceExistsException) throw new SecretExistsError();
    if (error instanceof ResourceNotFoundException || error instanceof InvalidRequestException)
      throw missing();
    throw translateAwsError(error, "Secrets Manager");
  }
}
