import { key, secretPrefix, writeOnlySecrets } from "./credentials";
import { table, tableAccess } from "./storage";

/** The deployment's root key: `npx sst secret set RootApiKey cvk_…` before the first deploy. */
export const rootApiKey = new sst.Secret("RootApiKey");

/** What the functions read through `Resource.ConnvaultSettings`; linking it grants no permission. */
export const settings = new sst.Linkable("ConnvaultSettings", {
  properties: { table: table.name, secretPrefix, kmsKeyArn: key.arn },
});

/** Lambda roles trust only Lambda (SST's default also trusts the account root, for `sst dev`). */
export const lambdaOnlyTrust = (args: aws.iam.RoleArgs): undefined => {
  if (!$dev)
    args.assumeRolePolicy = aws.iam.assumeRolePolicyForPrincipal({ Service: "lambda.amazonaws.com" });
};

export const apiFunction = new sst.aws.Function("Api", {
  bundle: "dist/functions/api",
  handler: "index.handler",
  runtime: "nodejs22.x",
  architecture: "arm64",
  memory: "1024 MB",
  timeout: "29 seconds",
  link: [settings, rootApiKey],
  permissions: [tableAccess, ...writeOnlySecrets],
  environment: { CONNVAULT_DOCS_SCRIPT: "scalar.js", NODE_OPTIONS: "--enable-source-maps" },
  transform: { role: lambdaOnlyTrust },
});

/**
 * Routes that write secrets are throttled below Secrets Manager's 50 writes/s per account and
 * region; everything else shares the stage default.
 */
const SECRET_WRITES = {
  "POST /v1/connectors/{connector_id}/connections": 40,
  "POST /v1/connectors/{connector_id}/connect": 40,
  "PUT /v1/connections/{id}/credentials": 40,
  "POST /unified/connection": 40,
} as const;

export const api = new sst.aws.ApiGatewayV2("HttpApi", {
  transform: {
    stage: (args) => {
      args.defaultRouteSettings = { throttlingRateLimit: 500, throttlingBurstLimit: 1000 };
      args.routeSettings = Object.entries(SECRET_WRITES).map(([routeKey, rate]) => ({
        routeKey,
        throttlingRateLimit: rate,
        throttlingBurstLimit: rate,
      }));
    },
  },
});
api.route("$default", apiFunction.arn);
for (const route of Object.keys(SECRET_WRITES)) api.route(route, apiFunction.arn);
