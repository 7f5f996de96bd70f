import { HttpTokenEndpoint, MAX_EXPIRES_IN_SECONDS, tokenFrom } from "@connvault/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";
import { type LoopbackServer, startLoopbackServer } from "../helpers/loopback-server.ts";
import { cookiesOf, flowStateOf, openPage } from "../helpers/oauth-page.ts";

const CLIENT_SECRET = `client-secret-${Math.random().toString(36).slice(2)}`;
const client = (tokenUrl: string) => ({
  config: { token_url: tokenUrl, client_id: "cid", token_auth_method: "client_secret_post" as const },
  clientSecret: CLIENT_SECRET,
});
/** Token endpoints under test listen on loopback, which the outbound client must be told it may call. */
const LOOPBACK = { allowedNetworks: ["127.0.0.0/8"] };
const grant = { code: "the-code", redirectUri: "http://127.0.0.1/cb", codeVerifier: "the-verifier" };

const servers: LoopbackServer[] = [];
const serve = async (handle: Parameters<typeof startLoopbackServer>[0]) => {
  const server = await startLoopbackServer(handle);
  servers.push(server);
  return server;
};
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A token endpoint that answers 307 to `target`, as the review's provider did. */
const redirectingTo = (target: LoopbackServer) =>
  serve((_req, res) => res.writeHead(307, { location: `${target.url}/steal` }).end());
const tokenJson = (body: unknown) =>
  serve((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body)));

describe("the OAuth2 token client", () => {
  it("never re-sends the code, verifier or client secret to where a 307 points", async () => {
    const thief = await serve((_req, res) => res.end(JSON.stringify({ access_token: "stolen" })));
    const endpoint = await redirectingTo(thief);

    const result = new HttpTokenEndpoint(LOOPBACK).exchangeCode(client(`${endpoint.url}/token`), grant);

    await expect(result).rejects.toThrow("answered a redirect (307)");
    expect(endpoint.requests).toHaveLength(1);
    expect(thief.requests).toEqual([]);
  });

  it("stops reading a token response past 64 KiB instead of holding it all", async () => {
    let finished = false;
    const endless = await serve(async (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, " ");
      // 200 MiB unless the client hangs up; write() waits for the socket (backpressure).
      for (let sent = 0; sent < 3200 && !res.destroyed; sent++) {
        if (!res.write(chunk))
          await new Promise((resolve) => res.once("drain", resolve).once("close", resolve));
      }
      finished = !res.destroyed;
      res.end();
    });

    const result = new HttpTokenEndpoint(LOOPBACK).exchangeCode(client(endless.url), grant);

    await expect(result).rejects.toThrow("larger than 64 KiB");
    expect(finished).toBe(false);
  });

  it("gives up on a body that trickles in past the time limit", async () => {
    const slow = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"access_token":"');
      const drip = setInterval(() => res.write("x"), 50);
      res.on("close", () => clearInterval(drip));
    });
    const started = Date.now();

    const result = new HttpTokenEndpoint({ ...LOOPBACK, timeoutMs: 500 }).exchangeCode(
      client(slow.url),
      grant,
    );

    await expect(result).rejects.toThrow("did not answer within 0.5 s");
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("refuses a token endpoint on an address it may not call, without connecting", async () => {
    const endpoint = await tokenJson({ access_token: "at", expires_in: 60 });

    const result = new HttpTokenEndpoint({ allowedNetworks: [] }).exchangeCode(client(endpoint.url), grant);

    await expect(result).rejects.toThrow("at an address connvault may not call");
    expect(endpoint.requests).toEqual([]);
  });

  it("caps expires_in at 10 years, so the stored expiry is a valid date", async () => {
    const endpoint = await tokenJson({ access_token: "at", expires_in: 1e300 });
    const now = new Date("2026-12-01T00:00:00Z");

    const response = await new HttpTokenEndpoint(LOOPBACK).exchangeCode(client(endpoint.url), grant);

    expect(response.expires_in).toBe(MAX_EXPIRES_IN_SECONDS);
    expect(tokenFrom(response, now).expires_at).toBe("2036-11-28T00:00:00.000Z");
  });

  it("refuses a non-finite expires_in as an invalid token response", async () => {
    const endpoint = await tokenJson({ access_token: "at", expires_in: "1e999" });

    const result = new HttpTokenEndpoint(LOOPBACK).exchangeCode(client(endpoint.url), grant);

    await expect(result).rejects.toThrow("no valid access_token or expires_in");
  });
});

describe("the OAuth2 callback when the token endpoint misbehaves", () => {
  let h: Harness;
  let app: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    h = await startHarness();
    app = await h.listen();
  });
  afterAll(async () => {
    await app.close();
    await h.close();
  });

  /** A pending connection of a connector whose token endpoint is `tokenUrl`; the browser never visits the provider. */
  async function pendingConnection(tokenUrl: string) {
    const connectorId = `acme-${Math.random().toString(36).slice(2, 10)}`;
    const put = await h.request("PUT", `/v1/connectors/${connectorId}`, {
      key: h.rootApiKey,
      body: {
        name: "Acme",
        description: "A token endpoint under test",
        auth_type: "oauth2",
        versions: [{ version: "v1", servers: [{ url: tokenUrl }], security_schema: null }],
        oauth2: {
          authorization_url: `${tokenUrl}/authorize`,
          token_url: tokenUrl,
          scopes: [],
          pkce: true,
          client_id: "cid",
          client_secret: CLIENT_SECRET,
          token_auth_method: "client_secret_post",
        },
      },
    });
    await expectStatus(put, 200);
    const org = await createOrganization(h);
    const created = await h.request("POST", `/v1/connectors/${connectorId}/connections`, {
      key: org.adminKey,
      body: { name: "Acme" },
    });
    await expectStatus(created, 201);
    const connection = await json<{ id: string; connector_page_url: string }>(created);
    const read = async () =>
      json(await h.request("GET", `/v1/connections/${connection.id}`, { key: org.adminKey }));
    return { ...connection, read };
  }

  /** Opens the page, then comes back to the callback with a code, as the provider would send the browser. */
  async function callback(pageUrl: string) {
    const start = await openPage(app.url, pageUrl);
    await expectStatus(start, 302);
    return fetch(`${app.url}/oauth2/callback?state=${flowStateOf(start)}&code=the-code`, {
      headers: { cookie: cookiesOf(start) },
    });
  }

  it("ends on a clear error page, not 'Something went wrong', when the token endpoint redirects", async () => {
    const thief = await serve((_req, res) => res.end(JSON.stringify({ access_token: "stolen" })));
    const endpoint = await redirectingTo(thief);
    const connection = await pendingConnection(endpoint.url);

    const done = await callback(connection.connector_page_url);

    await expectStatus(done, 502);
    expect(await done.text()).toContain("answered a redirect (307)");
    expect(thief.requests).toEqual([]);
    expect(await connection.read()).toMatchObject({ status: "pending_authorization", auth_aws_arn: null });
  });

  it("authorizes a connection whose provider says expires_in 1e300, instead of failing with 502", async () => {
    const endpoint = await tokenJson({ access_token: "at", refresh_token: "rt", expires_in: 1e300 });
    const connection = await pendingConnection(endpoint.url);

    const done = await callback(connection.connector_page_url);

    await expectStatus(done, 200);
    expect(await connection.read()).toMatchObject({ status: "active", credentials: { version: 1 } });
  });
});
