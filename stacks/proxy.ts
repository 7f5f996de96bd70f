import { route } from "./api";
import { resolverSecrets } from "./credentials";
import { connvaultFunction } from "./functions";
import { tableAccess } from "./storage";

/**
 * Calls through a connection (API.md, "Proxy"), on the same HTTP API. Its role is the resolver's, no
 * more, because it reads credentials back as the resolver does, to use them for the caller without
 * ever returning them: it may read connection secrets under the prefix, and adopted ones only while
 * tagged `connvault:organization_id` (described first, the tag checked against the connection's
 * organization); to refresh an OAuth2 token it reads the connector's client secret and puts the new
 * token into the connection's secret; on the table it looks up API keys, connections and connectors,
 * takes the refresh lease and writes its audit items. It creates, tags and deletes no secret. No
 * `CONNVAULT_PROXY_ALLOWED_NETWORKS` is set, so it calls public addresses only; its 29 s timeout
 * leaves its 25 s upstream budget room, under API Gateway's 30 s.
 */
export const proxyFunction = new sst.aws.Function(
  "Proxy",
  connvaultFunction("proxy", {
    timeout: "29 seconds",
    permissions: [tableAccess, ...resolverSecrets],
  }),
);

route("ANY /v1/connections/{id}/proxy", proxyFunction.arn);
route("ANY /v1/connections/{id}/proxy/{proxy+}", proxyFunction.arn);
// unified.to's passthrough.
route("ANY /passthrough/{connection_id}/{proxy+}", proxyFunction.arn);
