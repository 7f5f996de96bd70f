import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectStatus } from "../helpers/harness.ts";
import {
  ACCOUNT_ID,
  basicAuthorization,
  createCookieJar,
  followToRedirect,
  type OAuthServer,
  startOAuthServer,
} from "../helpers/oauth-server.ts";

// Never requested: followToRedirect stops at the redirect that points here.
const REDIRECT_URI = "http://127.0.0.1:9/callback";

interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  scope?: string;
  id_token?: string;
}

/** A hand-written authorization-code client, independent of connvault. */
function client(
  server: OAuthServer,
  auth: "client_secret_basic" | "client_secret_post" = "client_secret_basic",
) {
  const tokenRequest = async (params: Record<string, string>) => {
    const body = new URLSearchParams(params);
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
    if (auth === "client_secret_basic") {
      headers.authorization = basicAuthorization(server.clientId, server.clientSecret);
    } else {
      body.set("client_id", server.clientId);
      body.set("client_secret", server.clientSecret);
    }
    const response = await fetch(server.tokenUrl, { method: "POST", headers, body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  return {
    /** Builds an authorization URL with PKCE S256 and a fresh state. */
    authorization(scope = "openid offline_access read", extra: Record<string, string> = {}) {
      const verifier = randomBytes(32).toString("base64url");
      const state = randomBytes(16).toString("base64url");
      const url = new URL(server.authorizationUrl);
      url.search = new URLSearchParams({
        response_type: "code",
        client_id: server.clientId,
        redirect_uri: REDIRECT_URI,
        scope,
        state,
        code_challenge: createHash("sha256").update(verifier).digest("base64url"),
        code_challenge_method: "S256",
        ...extra,
      }).toString();
      return { url: url.href, verifier, state };
    },
    async authorize(scope?: string, jar = createCookieJar(), extra: Record<string, string> = {}) {
      const { url, verifier, state } = this.authorization(scope, extra);
      const redirect = await followToRedirect(url, REDIRECT_URI, jar);
      expect(redirect.searchParams.get("state")).toBe(state);
      return { redirect, verifier };
    },
    exchange(code: string, verifier: string) {
      return tokenRequest({
        grant_type: "authorization_code",
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      });
    },
    refresh(refreshToken: string) {
      return tokenRequest({ grant_type: "refresh_token", refresh_token: refreshToken });
    },
    /** Authorization through token response, asserting success. */
    async tokens(scope?: string, extra: Record<string, string> = {}): Promise<TokenResponse> {
      const { redirect, verifier } = await this.authorize(scope, createCookieJar(), extra);
      const code = redirect.searchParams.get("code");
      expect(code).toBeTruthy();
      const response = await this.exchange(code ?? "", verifier);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body as unknown as TokenResponse;
    },
  };
}

describe("the OAuth 2.0 server fixture (oidc-provider)", () => {
  let server: OAuthServer;

  beforeAll(async () => {
    server = await startOAuthServer({ redirectUris: [REDIRECT_URI] });
  });
  afterAll(() => server?.close());

  it("serves discovery on 127.0.0.1 with the endpoints it reports", async () => {
    expect(server.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${server.issuer}/.well-known/openid-configuration`);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: server.issuer,
      authorization_endpoint: server.authorizationUrl,
      token_endpoint: server.tokenUrl,
      userinfo_endpoint: server.userinfoUrl,
      introspection_endpoint: server.introspectionUrl,
      revocation_endpoint: server.revocationUrl,
      code_challenge_methods_supported: ["S256"],
    });
  });

  it("sets its cookies without Secure over http, SameSite=Lax, so a browser keeps them", async () => {
    const { url } = client(server).authorization();
    const response = await fetch(url, { redirect: "manual" });
    await response.body?.cancel();
    await expectStatus(response, 303);
    const cookies = response.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) {
      expect(cookie.toLowerCase()).not.toContain("secure");
      expect(cookie.toLowerCase()).toContain("samesite=lax");
    }
  });

  it("runs the authorization-code flow with PKCE, rotating refresh tokens and counting token requests", async () => {
    const before = { ...server.tokenRequests };
    const oauth = client(server);

    const { redirect, verifier } = await oauth.authorize();
    expect(redirect.origin + redirect.pathname).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get("iss")).toBe(server.issuer);
    const code = redirect.searchParams.get("code") ?? "";
    expect(code).not.toBe("");

    const exchanged = await oauth.exchange(code, verifier);
    expect(exchanged.status, JSON.stringify(exchanged.body)).toBe(200);
    const tokens = exchanged.body as unknown as TokenResponse;
    expect(tokens).toMatchObject({ token_type: "Bearer", expires_in: expect.any(Number) });
    expect(tokens.expires_in).toBeGreaterThan(3500);
    expect(tokens.expires_in).toBeLessThanOrEqual(3600);
    // OIDC Core §11: offline_access only counts with prompt=consent; the refresh token comes regardless.
    expect(tokens.scope).toBe("openid read");
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(server.tokenRequests).toEqual({ ...before, authorization_code: before.authorization_code + 1 });

    expect(await server.accepts(tokens.access_token)).toBe(true);
    expect(await server.accepts("not-a-token")).toBe(false);
    expect(await server.accepts(tokens.refresh_token ?? "")).toBe(false);
    const userinfo = await fetch(server.userinfoUrl, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(await userinfo.json()).toEqual({ sub: ACCOUNT_ID });

    const refreshed = await oauth.refresh(tokens.refresh_token ?? "");
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    const rotated = refreshed.body as unknown as TokenResponse;
    expect(server.tokenRequests.refresh_token).toBe(before.refresh_token + 1);
    expect(rotated.refresh_token).toEqual(expect.any(String));
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
    expect(rotated.access_token).not.toBe(tokens.access_token);
    expect(await server.accepts(rotated.access_token)).toBe(true);

    // The rotated-out refresh token is rejected, and (reuse detection) that revokes the whole grant.
    const reused = await oauth.refresh(tokens.refresh_token ?? "");
    expect(reused).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect(server.tokenRequests.refresh_token).toBe(before.refresh_token + 2);
    expect(await server.accepts(rotated.access_token)).toBe(false);
    expect(await oauth.refresh(rotated.refresh_token ?? "")).toMatchObject({ status: 400 });
  });

  it("takes a code once; replaying it is refused and revokes the tokens it issued (RFC 6749 §4.1.2)", async () => {
    const oauth = client(server);
    const { redirect, verifier } = await oauth.authorize();
    const code = redirect.searchParams.get("code") ?? "";
    const first = await oauth.exchange(code, verifier);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const tokens = first.body as unknown as TokenResponse;

    const replayed = await oauth.exchange(code, verifier);
    expect(replayed).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect(await server.accepts(tokens.access_token)).toBe(false);
    expect(await oauth.refresh(tokens.refresh_token ?? "")).toMatchObject({ status: 400 });
  });

  it("keeps rotating: each refresh token works exactly once", async () => {
    const oauth = client(server);
    let { refresh_token: refreshToken } = await oauth.tokens();
    for (let i = 0; i < 3; i++) {
      const response = await oauth.refresh(refreshToken ?? "");
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      const next = response.body as unknown as TokenResponse;
      expect(next.refresh_token).not.toBe(refreshToken);
      expect(await server.accepts(next.access_token)).toBe(true);
      refreshToken = next.refresh_token;
    }
  });

  it("grants offline_access when the request carries prompt=consent", async () => {
    const tokens = await client(server).tokens("openid offline_access read", { prompt: "consent" });
    expect(tokens.scope?.split(" ").sort()).toEqual(["offline_access", "openid", "read"]);
    expect(tokens.refresh_token).toEqual(expect.any(String));
  });

  it("issues a refresh token without offline_access and accepts scopes without openid", async () => {
    const tokens = await client(server).tokens("read");
    expect(tokens.scope).toBe("read");
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(tokens.id_token).toBeUndefined();
    expect(await server.accepts(tokens.access_token)).toBe(true);
  });

  it("requires PKCE and checks the verifier", async () => {
    const oauth = client(server);
    const { url, state } = oauth.authorization();
    const withoutPkce = new URL(url);
    withoutPkce.searchParams.delete("code_challenge");
    withoutPkce.searchParams.delete("code_challenge_method");
    const rejected = await followToRedirect(withoutPkce.href, REDIRECT_URI);
    expect(rejected.searchParams.get("error")).toBe("invalid_request");
    expect(rejected.searchParams.get("state")).toBe(state);

    const { redirect } = await oauth.authorize();
    const wrongVerifier = await oauth.exchange(
      redirect.searchParams.get("code") ?? "",
      randomBytes(32).toString("base64url"),
    );
    expect(wrongVerifier).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });

  it("denies consent while told to, even for a user agent that already has a session", async () => {
    const oauth = client(server);
    const jar = createCookieJar();
    await oauth.authorize(undefined, jar);
    try {
      server.setConsent("deny");
      const { redirect } = await oauth.authorize(undefined, jar);
      expect(redirect.searchParams.get("error")).toBe("access_denied");
      expect(redirect.searchParams.get("error_description")).toBe("The user denied consent");
      expect(redirect.searchParams.get("code")).toBeNull();

      const fresh = await oauth.authorize();
      expect(fresh.redirect.searchParams.get("error")).toBe("access_denied");
    } finally {
      server.setConsent("approve");
    }
    const { redirect } = await oauth.authorize(undefined, jar);
    expect(redirect.searchParams.get("code")).toBeTruthy();
  });

  it("issues access tokens with the TTL set from then on", async () => {
    const oauth = client(server);
    try {
      server.setAccessTokenTtl(30);
      const tokens = await oauth.tokens();
      expect(tokens.expires_in).toBeGreaterThan(0);
      expect(tokens.expires_in).toBeLessThanOrEqual(30);
      const refreshed = await oauth.refresh(tokens.refresh_token ?? "");
      expect((refreshed.body as unknown as TokenResponse).expires_in).toBeLessThanOrEqual(30);
    } finally {
      server.setAccessTokenTtl(3600);
    }
    expect((await oauth.tokens()).expires_in).toBeGreaterThan(30);
  });

  it("rejects client_secret_post from a client_secret_basic client", async () => {
    const { redirect, verifier } = await client(server).authorize();
    const response = await client(server, "client_secret_post").exchange(
      redirect.searchParams.get("code") ?? "",
      verifier,
    );
    expect(response).toMatchObject({ status: 401, body: { error: "invalid_client" } });
  });
});

describe("the OAuth 2.0 server fixture with client_secret_post", () => {
  let server: OAuthServer;

  beforeAll(async () => {
    server = await startOAuthServer({ redirectUris: [REDIRECT_URI], tokenAuthMethod: "client_secret_post" });
  });
  afterAll(() => server?.close());

  it("exchanges and refreshes with the secret in the form, and rejects Basic", async () => {
    const oauth = client(server, "client_secret_post");
    const tokens = await oauth.tokens();
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(await server.accepts(tokens.access_token)).toBe(true);

    const refreshed = await oauth.refresh(tokens.refresh_token ?? "");
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect(server.tokenRequests).toEqual({ authorization_code: 1, refresh_token: 1 });

    const basic = await client(server, "client_secret_basic").refresh(
      (refreshed.body as unknown as TokenResponse).refresh_token ?? "",
    );
    expect(basic).toMatchObject({ status: 401, body: { error: "invalid_client" } });
    expect(server.tokenRequests.refresh_token).toBe(2);
  });
});
