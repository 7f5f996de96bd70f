/**
 * Credentials live in Secrets Manager under `<app>/<stage>`, encrypted with a customer-managed KMS
 * key that rotates yearly. The write-only permission set below is what the api function (and every
 * function that writes connection secrets) gets: it can create, replace, tag, describe and delete
 * secrets under `<prefix>/connections/`, and it is denied GetSecretValue outright.
 */
export const secretPrefix = `${$app.name}/${$app.stage}`;

/** The deployment's root key: `npx sst secret set RootApiKey cvk_…` before the first deploy. */
export const rootApiKey = new sst.Secret("RootApiKey");

/**
 * The server key every HMAC key is derived from (stacks/functions.ts): random bytes generated once and
 * kept in the stage's state, shown to nobody, so the root key's holder cannot derive them. The provider
 * is imported when `run()` gets here, not with the config: `sst install` evaluates the config before
 * `.sst/platform` holds `@pulumi/random`.
 */
export const serverKey = $util.output(
  import("@pulumi/random").then(({ RandomBytes }) => new RandomBytes("ServerKey", { length: 32 }).base64),
);

export const key = new aws.kms.Key("CredentialsKey", {
  description: `connvault ${$app.stage}: encrypts connection credentials in Secrets Manager`,
  enableKeyRotation: true,
  deletionWindowInDays: 30,
});

new aws.kms.Alias("CredentialsKeyAlias", {
  name: `alias/${$app.name}-${$app.stage}-credentials`,
  targetKeyId: key.keyId,
});

const region = aws.getRegionOutput().region;
const account = aws.getCallerIdentityOutput().accountId;
const partition = aws.getPartitionOutput().partition;

/** ARN pattern of the secrets under one namespace of the prefix (ARNs end in a random suffix). */
export const secretsUnder = (namespace: string) =>
  $interpolate`arn:${partition}:secretsmanager:${region}:${account}:secret:${secretPrefix}/${namespace}/*`;

/**
 * Secrets outside the prefix (adopted by ARN) are reachable only when they carry a
 * `connvault:organization_id` tag, whatever its value: the code then checks that the value is the
 * connection's organization. For a missing or untagged secret AWS answers AccessDenied.
 */
export const taggedForAnOrganization = (actions: string[]): sst.aws.FunctionPermissionArgs => ({
  actions,
  resources: ["*"],
  conditions: [
    { test: "Null", variable: "secretsmanager:ResourceTag/connvault:organization_id", values: ["false"] },
  ],
});

/** KMS use through Secrets Manager only, for secrets under the given namespaces. */
const keyViaSecretsManager = (namespaces: string[]): sst.aws.FunctionPermissionArgs => ({
  actions: ["kms:GenerateDataKey", "kms:Decrypt"],
  resources: [key.arn],
  conditions: [
    {
      test: "StringEquals",
      variable: "kms:ViaService",
      values: [$interpolate`secretsmanager.${region}.amazonaws.com`],
    },
    { test: "StringLike", variable: "kms:EncryptionContext:SecretARN", values: namespaces.map(secretsUnder) },
  ],
});

const WRITE_ACTIONS = [
  "secretsmanager:CreateSecret",
  "secretsmanager:PutSecretValue",
  "secretsmanager:DeleteSecret",
  "secretsmanager:TagResource",
  "secretsmanager:DescribeSecret",
];
const READ_ACTIONS = ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"];

/**
 * Write-only access to connection and connector secrets (the api function). Secrets Manager needs
 * kms:GenerateDataKey and kms:Decrypt from whoever writes a secret under a customer-managed key (it
 * validates key access, and decrypts to compare a retried version with the stored one); both are
 * granted only through Secrets Manager and only for these secrets. Reading is denied outright, so
 * that Decrypt can never hand a credential to this role.
 */
export const writeOnlySecrets: sst.aws.FunctionPermissionArgs[] = [
  { actions: WRITE_ACTIONS, resources: [secretsUnder("connections"), secretsUnder("connectors")] },
  // Adopting a secret made elsewhere: only those tagged for an organization can be described.
  taggedForAnOrganization(["secretsmanager:DescribeSecret"]),
  keyViaSecretsManager(["connections", "connectors"]),
  { effect: "deny", actions: READ_ACTIONS, resources: ["*"] },
];

/**
 * The oauth function: writes tokens into connection secrets and reads connector client secrets,
 * never a connection's credentials.
 */
export const oauthSecrets: sst.aws.FunctionPermissionArgs[] = [
  { actions: WRITE_ACTIONS, resources: [secretsUnder("connections")] },
  { actions: ["secretsmanager:GetSecretValue"], resources: [secretsUnder("connectors")] },
  keyViaSecretsManager(["connections", "connectors"]),
  { effect: "deny", actions: READ_ACTIONS, resources: [secretsUnder("connections")] },
];

/**
 * The connect function (the hosted connect page): write-only, as `writeOnlySecrets`, but for connection
 * secrets alone. It creates, replaces, tags and describes them, deletes one only to undo a create whose
 * record was not written, and uses the key only through Secrets Manager for them. It adopts nothing, so
 * it describes no secret outside the prefix; reading any secret is denied outright.
 */
export const connectSecrets: sst.aws.FunctionPermissionArgs[] = [
  { actions: WRITE_ACTIONS, resources: [secretsUnder("connections")] },
  keyViaSecretsManager(["connections"]),
  { effect: "deny", actions: READ_ACTIONS, resources: ["*"] },
];

/**
 * The resolver: reads connection credentials for the executor, and to refresh an OAuth2 token it
 * reads the connector's client secret and writes the new token. It may also describe and read
 * adopted secrets, anywhere but only while tagged `connvault:organization_id`; before each read of
 * one it describes it and refuses unless the tag names the connection's organization. Its KMS grant
 * covers connvault's key only: an adopted secret must be encrypted with `aws/secretsmanager` or with
 * a customer-managed key whose key policy grants this role kms:Decrypt via Secrets Manager.
 */
export const resolverSecrets: sst.aws.FunctionPermissionArgs[] = [
  {
    actions: ["secretsmanager:GetSecretValue"],
    resources: [secretsUnder("connections"), secretsUnder("connectors")],
  },
  {
    actions: ["secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"],
    resources: [secretsUnder("connections")],
  },
  taggedForAnOrganization(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]),
  keyViaSecretsManager(["connections", "connectors"]),
];
