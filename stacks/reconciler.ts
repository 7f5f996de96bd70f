import { secretsUnder, taggedForAnOrganization } from "./credentials";
import { connvaultFunction } from "./functions";
import { table } from "./storage";

const managed = secretsUnder("connections");

/** The scheduler may assume its role only for schedules of this account (no confused deputy). */
const schedulerOfThisAccount = aws.iam.getPolicyDocumentOutput({
  statements: [
    {
      actions: ["sts:AssumeRole"],
      principals: [{ type: "Service", identifiers: ["scheduler.amazonaws.com"] }],
      conditions: [
        {
          test: "StringEquals",
          variable: "aws:SourceAccount",
          values: [aws.getCallerIdentityOutput().accountId],
        },
      ],
    },
  ],
}).json;

/**
 * The reconciler, hourly (EventBridge Scheduler): removes secrets under `<prefix>/connections/` that
 * no record points at, and marks records whose secret is gone. Least privilege: it lists and
 * describes secrets (metadata only), deletes only managed ones, and is denied reading any value.
 */
export const reconciler = new sst.aws.CronV2("Reconciler", {
  schedule: "rate(1 hour)",
  transform: {
    role: (args) => {
      args.assumeRolePolicy = schedulerOfThisAccount;
    },
  },
  function: connvaultFunction("reconciler", {
    timeout: "5 minutes",
    permissions: [
      {
        // Scan (of the table's index), the record lookups, the conditional writes, its cursor item, and
        // releasing the adoption claim of a connection whose adopted secret is gone.
        actions: ["dynamodb:Scan", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
        resources: [table.arn, $interpolate`${table.arn}/index/*`],
      },
      // ListSecrets supports no resource-level permissions; it never returns a value.
      { actions: ["secretsmanager:ListSecrets"], resources: ["*"] },
      { actions: ["secretsmanager:DescribeSecret", "secretsmanager:DeleteSecret"], resources: [managed] },
      // Adopted secrets are only described, and only those tagged for an organization: one that was
      // deleted or untagged answers AccessDenied, which the reconciler takes for gone or untagged.
      taggedForAnOrganization(["secretsmanager:DescribeSecret"]),
      {
        effect: "deny",
        actions: ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"],
        resources: ["*"],
      },
    ],
  }),
});
