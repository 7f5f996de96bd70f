import type { ResolveResult } from "@connvault/functions";
import { expect } from "vitest";
import type { Harness } from "./harness.ts";
import type { OAuthServer } from "./oauth-server.ts";

/** Registers the test provider as an OAuth2 connector (root key), as an operator would. */
export async function registerOAuthConnector(
  h: Harness,
  provider: OAuthServer,
  id = "acme-oauth",
): Promise<void> {
  const res = await h.request("PUT", `/v1/connectors/${id}`, {
    key: h.rootApiKey,
    body: {
      name: "Acme (test provider)",
      description: "A real OAuth2 authorization server on loopback",
      auth_type: "oauth2",
      versions: [{ version: "v1", servers: [{ url: provider.issuer }], security_schema: { type: "oauth2" } }],
      oauth2: {
        authorization_url: provider.authorizationUrl,
        token_url: provider.tokenUrl,
        scopes: ["openid", "offline_access", "read"],
        pkce: true,
        client_id: provider.clientId,
        client_secret: provider.clientSecret,
      },
    },
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** The OAuth2 token the resolver handed out, or undefined when it failed or handed out none. */
export function resolvedOAuth2Token(resolved: ResolveResult) {
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.error));
  return resolved.credentials.security?.authMethod === "oauth2"
    ? resolved.credentials.security.oauth2Token
    : undefined;
}
