/**
 * Credentials live in Secrets Manager under `<app>/<stage>`, encrypted with a customer-managed KMS
 * key that rotates yearly. The write-only permission set below is what the api function (and every
 * function that writes connection secrets) gets: it can create, replace, tag, describe and delete
 * secrets under `<prefix>/connections/`, and it is denied GetSecretValue outright.
 */
export const secretPrefix = `${$app.name}/${$app.stage}`;

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

/** ARN pattern of the secrets under one namespace of the prefix (ARNs end in a random suffix). */
export const secretsUnder = (namespace: string) =>
  $interpolate`arn:aws:secretsmanager:${region}:${account}:secret:${secretPrefix}/${namespace}/*`;

/**
 * Write-only access to connection secrets. Secrets Manager needs kms:GenerateDataKey and
 * kms:Decrypt from whoever writes a secret under a customer-managed key (it validates key access,
 * and decrypts to compare a retried version with the stored one). Both are granted only through
 * Secrets Manager (kms:ViaService) and only for secrets under the prefix; since GetSecretValue is
 * denied, that Decrypt can never return a credential to this role.
 */
export const writeOnlySecrets: sst.aws.FunctionPermissionArgs[] = [
  {
    actions: [
      "secretsmanager:CreateSecret",
      "secretsmanager:PutSecretValue",
      "secretsmanager:DeleteSecret",
      "secretsmanager:TagResource",
      "secretsmanager:DescribeSecret",
    ],
    resources: [secretsUnder("connections")],
  },
  {
    // Adopting a secret made elsewhere: only those tagged for an organization can be described.
    actions: ["secretsmanager:DescribeSecret"],
    resources: ["*"],
    conditions: [
      { test: "Null", variable: "secretsmanager:ResourceTag/connvault:organization_id", values: ["false"] },
    ],
  },
  {
    actions: ["kms:GenerateDataKey", "kms:Decrypt"],
    resources: [key.arn],
    conditions: [
      {
        test: "StringEquals",
        variable: "kms:ViaService",
        values: [$interpolate`secretsmanager.${region}.amazonaws.com`],
      },
      {
        test: "StringLike",
        variable: "kms:EncryptionContext:SecretARN",
        values: [secretsUnder("connections")],
      },
    ],
  },
  {
    effect: "deny",
    actions: ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"],
    resources: ["*"],
  },
];
