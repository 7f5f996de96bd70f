import { api, route } from "./api";
import { connectSecrets } from "./credentials";
import { connvaultFunction } from "./functions";
import { tableAccess } from "./storage";

/**
 * The hosted connect page (API.md, "Connect sessions"), on the same HTTP API under /connect/: the page,
 * its form's submit and what follows it. It is its own function, not the oauth function's: the page is
 * public, unauthenticated and takes an end user's input, and it creates connection secrets (CreateSecret,
 * TagResource), which the oauth role may not, while it must never be able to read any secret, whereas
 * the oauth role reads connector client secrets. So its role is write-only for connection secrets
 * (stacks/credentials.ts, `connectSecrets`), with GetSecretValue denied on every resource; on the table
 * it reads connectors and organizations, and reads and writes connect sessions and connections.
 */
export const connectFunction = new sst.aws.Function(
  "Connect",
  connvaultFunction("connect", {
    timeout: "29 seconds",
    permissions: [tableAccess, ...connectSecrets],
    // The page's form and links are built from the deployment's URL, never from a Host header.
    environment: { CONNVAULT_PUBLIC_URL: api.url },
  }),
);

route("GET /connect/{proxy+}", connectFunction.arn);
// It creates secrets: throttled as one of the secret writes (stacks/secret-writes.ts).
route("POST /connect/{proxy+}", connectFunction.arn);
