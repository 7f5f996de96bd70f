import { key, rootApiKey, secretPrefix } from "./credentials";
import { table } from "./storage";

/** What the functions read through `Resource.ConnvaultSettings`; linking it grants no permission. */
export const settings = new sst.Linkable("ConnvaultSettings", {
  properties: { table: table.name, secretPrefix, kmsKeyArn: key.arn },
});

/** Lambda roles trust only Lambda (SST's default also trusts the account root, for `sst dev`). */
export const lambdaOnlyTrust = (args: aws.iam.RoleArgs): undefined => {
  if (!$dev)
    args.assumeRolePolicy = aws.iam.assumeRolePolicyForPrincipal({ Service: "lambda.amazonaws.com" });
};

/**
 * What every connvault function shares: its esbuild bundle (`npm run bundle` → dist/functions/<name>),
 * arm64 on Node.js 22, the linked settings and root key (no permissions come with them), and a
 * Lambda-only trust policy. Each stack adds its own permissions.
 */
export const connvaultFunction = (
  bundle: string,
  args: Pick<sst.aws.FunctionArgs, "memory" | "timeout" | "permissions" | "environment">,
): sst.aws.FunctionArgs => ({
  bundle: `dist/functions/${bundle}`,
  handler: "index.handler",
  runtime: "nodejs22.x",
  architecture: "arm64",
  memory: "512 MB",
  timeout: "30 seconds",
  link: [settings, rootApiKey],
  transform: { role: lambdaOnlyTrust },
  ...args,
});
