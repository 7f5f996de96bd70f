import { deriveKey, KEY_PURPOSES, type KeyPurpose } from "../packages/functions/src/keys";
import { key, rootApiKey, secretPrefix, serverKey } from "./credentials";
import { table } from "./storage";

/** What the functions read through `Resource.ConnvaultSettings`; linking it grants no permission. */
export const settings = new sst.Linkable("ConnvaultSettings", {
  properties: { table: table.name, secretPrefix, kmsKeyArn: key.arn },
});

/**
 * Which keys each function gets. Only the api serves root requests, so only it links the root key; each
 * function links just the per-purpose HMAC keys it uses, derived here at deploy time from the server
 * key, so no function's configuration yields another's keys, and none yields the root key but the api's.
 * The proxy authenticates API keys by their hash alone, so it has no api-key key (which would recompute
 * the keys issued under an Idempotency-Key); it writes a connection's secret when it refreshes a token.
 * The api opens connect sessions and the connect function checks them, so both have the connect-session
 * key (session tokens and the page's CSRF values); the connect function also writes secrets and sends an
 * OAuth2 connector on to the oauth function's page, and serves no API key, cursor or root request.
 */
const FUNCTION_KEYS = {
  api: ["root", "cursor", "secret-token", "api-key", "oauth-page", "connect-session"],
  oauth: ["secret-token", "oauth-page"],
  connect: ["secret-token", "connect-session", "oauth-page"],
  resolver: ["secret-token"],
  proxy: ["secret-token"],
  events: [],
  provisioner: ["secret-token"],
  reconciler: [],
  "custom-resource": ["secret-token"],
} as const satisfies Record<string, ("root" | KeyPurpose)[]>;

const keyLinks = new Map<KeyPurpose, sst.Linkable<{ value: $util.Output<string> }>>();
const keyLink = (purpose: "root" | KeyPurpose) => {
  if (purpose === "root") return rootApiKey;
  const link =
    keyLinks.get(purpose) ??
    new sst.Linkable(KEY_PURPOSES[purpose], {
      properties: {
        value: serverKey.apply((server) => deriveKey(server, purpose).toString("base64url")),
      },
    });
  keyLinks.set(purpose, link);
  return link;
};

/** Lambda roles trust only Lambda (SST's default also trusts the account root, for `sst dev`). */
export const lambdaOnlyTrust = (args: aws.iam.RoleArgs): undefined => {
  if (!$dev)
    args.assumeRolePolicy = aws.iam.assumeRolePolicyForPrincipal({ Service: "lambda.amazonaws.com" });
};

/**
 * What every connvault function shares: its esbuild bundle (`npm run bundle` → dist/functions/<name>),
 * arm64 on Node.js 24, the linked settings and its keys (no permissions come with links), and a
 * Lambda-only trust policy. Each stack adds its own permissions.
 */
export const connvaultFunction = (
  bundle: keyof typeof FUNCTION_KEYS,
  args: Pick<sst.aws.FunctionArgs, "memory" | "timeout" | "permissions" | "environment">,
): sst.aws.FunctionArgs => {
  const keys: readonly ("root" | KeyPurpose)[] = FUNCTION_KEYS[bundle];
  return {
    bundle: `dist/functions/${bundle}`,
    handler: "index.handler",
    runtime: "nodejs24.x",
    architecture: "arm64",
    memory: "512 MB",
    timeout: "30 seconds",
    link: [settings, ...keys.map(keyLink)],
    transform: { role: lambdaOnlyTrust },
    ...args,
  };
};
