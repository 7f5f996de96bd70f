import { api, route } from "./api";
import { oauthSecrets } from "./credentials";
import { connvaultFunction } from "./functions";
import { tableAccess } from "./storage";

/** The OAuth2 browser flow, on the same HTTP API under /oauth2/. */
export const oauthFunction = new sst.aws.Function(
  "OAuth",
  connvaultFunction("oauth", {
    timeout: "29 seconds",
    permissions: [tableAccess, ...oauthSecrets],
    // The redirect_uri sent to providers is built from the deployment's URL, never from a Host header.
    environment: { CONNVAULT_PUBLIC_URL: api.url },
  }),
);

route("GET /oauth2/authorize", oauthFunction.arn);
route("GET /oauth2/callback", oauthFunction.arn);
