import {
  DescribeSecretCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  SecretsManagerServiceException,
} from "@aws-sdk/client-secrets-manager";
import type { InitializeMiddleware } from "@smithy/types";
import { secretsManagerClient } from "./aws.ts";
import type { Harness } from "./harness.ts";
import { addMiddleware } from "./middleware.ts";

const GUARDED = new Set(["DescribeSecretCommand", "GetSecretValueCommand"]);
let sequence = 0;

/** What the SDK throws for IAM's AccessDeniedException (Secrets Manager does not model it). */
const accessDenied = (command: string, secretId: string) =>
  new SecretsManagerServiceException({
    name: "AccessDeniedException",
    $fault: "client",
    $metadata: { httpStatusCode: 400, attempts: 1, totalRetryDelay: 0 },
    message: `User: arn:aws:sts::123456789012:assumed-role/connvault-ci-Role/fn is not authorized to perform: secretsmanager:${command.replace(/Command$/, "")} on resource: ${secretId} because no identity-based policy allows the action`,
  });

/**
 * IAM as the connvault roles meet it outside `<prefix>/`: DescribeSecret and GetSecretValue there are
 * allowed only on a secret tagged `connvault:organization_id` (`Null … = false`), so a missing or an
 * untagged secret answers AccessDeniedException, never ResourceNotFoundException. The emulator has
 * no IAM; this middleware on the real client looks the secret up with a client of its own first.
 * Returns its removal.
 */
function enforceTagCondition(
  client: SecretsManagerClient,
  { endpoint, prefix }: { endpoint: string; prefix: string },
): () => void {
  const lookup = secretsManagerClient(endpoint);
  const tagged = (secretId: string) =>
    lookup.send(new DescribeSecretCommand({ SecretId: secretId })).then(
      (secret) => secret.Tags?.some((tag) => tag.Key === "connvault:organization_id") ?? false,
      (error: unknown) => {
        if (error instanceof ResourceNotFoundException) return false;
        throw error;
      },
    );
  const middleware: InitializeMiddleware<object, object> = (next, context) => async (args) => {
    const { SecretId: id } = args.input as { SecretId?: string };
    const command = context.commandName ?? "";
    const name = id?.startsWith("arn:") ? id.split(":secret:")[1] : id;
    if (id && GUARDED.has(command) && !name?.startsWith(`${prefix}/`) && !(await tagged(id)))
      throw accessDenied(command, id);
    return next(args);
  };
  const remove = addMiddleware(client, `tag-condition-${++sequence}`, middleware as never);
  return () => {
    remove();
    lookup.destroy();
  };
}

/** Runs `act` with the harness's Secrets Manager client behind the tag condition, as on AWS. */
export async function withTagCondition<T>(h: Harness, act: () => Promise<T>): Promise<T> {
  const remove = enforceTagCondition(h.services.clients.secrets, {
    endpoint: h.edge.url,
    prefix: h.services.config.secretPrefix,
  });
  try {
    return await act();
  } finally {
    remove();
  }
}
