import type { ResolveResult } from "@connvault/functions";
import {
  createOrganization,
  expectStatus,
  type Harness,
  startHarness,
  type TestOrganization,
} from "./harness.ts";
import { type OAuthServer, startOAuthServer } from "./oauth-server.ts";

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
  await expectStatus(res, 200);
}

/** The OAuth2 token the resolver handed out, or undefined when it failed or handed out none. */
export function resolvedOAuth2Token(resolved: ResolveResult) {
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.error));
  return resolved.credentials.security?.authMethod === "oauth2"
    ? resolved.credentials.security.oauth2Token
    : undefined;
}

export interface OAuthSetup {
  h: Harness;
  /** connvault over real HTTP, where the provider sends the browser back. */
  server: { url: string; close(): Promise<void> };
  provider: OAuthServer;
  org: TestOrganization;
  close(): Promise<void>;
}

/** connvault served over HTTP, a real OAuth2 provider that redirects to it, its connector, an organization. */
export async function startOAuthSetup(): Promise<OAuthSetup> {
  const h = await startHarness();
  const server = await h.listen();
  const provider = await startOAuthServer({ redirectUris: [`${server.url}/oauth2/callback`] });
  await registerOAuthConnector(h, provider);
  const org = await createOrganization(h);
  return {
    h,
    server,
    provider,
    org,
    async close() {
      await provider.close();
      await server.close();
      await h.close();
    },
  };
}
