import { api, lambdaOnlyTrust, rootApiKey, settings } from "./api";
import { oauthSecrets } from "./credentials";
import { tableAccess } from "./storage";

/** The OAuth2 browser flow, on the same HTTP API under /oauth2/. */
export const oauthFunction = new sst.aws.Function("OAuth", {
  bundle: "dist/functions/oauth",
  handler: "index.handler",
  runtime: "nodejs22.x",
  architecture: "arm64",
  memory: "512 MB",
  timeout: "29 seconds",
  link: [settings, rootApiKey],
  permissions: [tableAccess, ...oauthSecrets],
  transform: { role: lambdaOnlyTrust },
});

api.route("GET /oauth2/authorize", oauthFunction.arn);
api.route("GET /oauth2/callback", oauthFunction.arn);
