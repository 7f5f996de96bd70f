import { api } from "./api";
import { oauthSecrets } from "./credentials";
import { connvaultFunction } from "./functions";
import { tableAccess } from "./storage";

/** The OAuth2 browser flow, on the same HTTP API under /oauth2/. */
export const oauthFunction = new sst.aws.Function(
  "OAuth",
  connvaultFunction("oauth", { timeout: "29 seconds", permissions: [tableAccess, ...oauthSecrets] }),
);

api.route("GET /oauth2/authorize", oauthFunction.arn);
api.route("GET /oauth2/callback", oauthFunction.arn);
