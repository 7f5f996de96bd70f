import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createOrganization,
  expectStatus,
  type Harness,
  json,
  startHarness,
  type TestOrganization,
} from "../helpers/harness.ts";
import { type OAuthSetup, registerOAuthConnector, startOAuthSetup } from "../helpers/oauth-connector.ts";
import { authorizeInBrowser, cookiesOf, openPage } from "../helpers/oauth-page.ts";
import { followToRedirect, type OAuthServer } from "../helpers/oauth-server.ts";

let h: Harness;
let server: { url: string; close(): Promise<void> };
let provider: OAuthServer;
let org: TestOrganization;

let setup: OAuthSetup;
beforeAll(async () => {
  setup = await startOAuthSetup();
  ({ h, server, provider, org } = setup);
});
afterAll(() => setup.close());

type Connection = {
  id: string;
  status: string;
  connector_page_url: string | null;
  credentials: { version: number } | null;
};

async function createPending(): Promise<Connection> {
  const res = await h.request("POST", "/v1/connectors/acme-oauth/connections", {
    key: org.adminKey,
    body: { name: "Acme", access_scope: "organizational" },
  });
  await expectStatus(res, 201);
  return json<Connection>(res);
}
const read = async (id: string) =>
  json<Connection>(await h.request("GET", `/v1/connections/${id}`, { key: org.adminKey }));
/** A fresh page link from GET, as the admin sees it. */
const linkFromGet = async (id: string) => (await read(id)).connector_page_url ?? "";

/** The callback URL the provider sends the browser back to, for a flow started at `start`. */
const providerCallback = (start: Response) =>
  followToRedirect(start.headers.get("location") ?? "", `${server.url}/oauth2/callback`);

describe("a connector_page_url", () => {
  it("cannot be used a second time, even while the connection is still pending", async () => {
    const created = await createPending();
    const link = created.connector_page_url ?? "";
    await expectStatus(openPage(server.url, link), 302);

    const again = await openPage(server.url, link);

    await expectStatus(again, 400);
    expect(await again.text()).toContain("already been used");
  });

  it("used once cannot re-authorize the connection after it is active (the review's finding 1)", async () => {
    const created = await createPending();
    const link = created.connector_page_url ?? "";
    await expectStatus(authorizeInBrowser(server.url, link), 200);

    const again = await openPage(server.url, link);

    await expectStatus(again, 400);
    expect(await read(created.id)).toMatchObject({ status: "active", credentials: { version: 1 } });
  });

  it("from GET cannot re-authorize an active connection, whether opened after or before it became active", async () => {
    const created = await createPending();
    const [opensLate, opensEarly] = [await linkFromGet(created.id), await linkFromGet(created.id)];
    const early = await openPage(server.url, opensEarly);
    const earlyCallback = await providerCallback(early);
    await expectStatus(authorizeInBrowser(server.url, created.connector_page_url ?? ""), 200);

    const late = await openPage(server.url, opensLate);
    const finished = await fetch(earlyCallback, { headers: { cookie: cookiesOf(early) } });

    await expectStatus(late, 400);
    expect(await late.text()).toContain("already authorized");
    await expectStatus(finished, 400);
    expect(await finished.text()).toContain("already authorized");
    expect(await read(created.id)).toMatchObject({ status: "active", credentials: { version: 1 } });
  });
});

describe("the OAuth2 callback", () => {
  it("refuses a browser without the cookie set when the flow started, and changes nothing", async () => {
    const created = await createPending();

    const done = await authorizeInBrowser(server.url, created.connector_page_url ?? "", { cookie: "" });

    await expectStatus(done, 400);
    expect(await done.text()).toContain("not started in this browser");
    expect(await read(created.id)).toMatchObject({ status: "pending_authorization", credentials: null });
  });

  it("refuses the cookie of another flow: a callback URL handed to someone else's browser does nothing", async () => {
    const created = await createPending();
    const victims = await openPage(server.url, await linkFromGet(created.id));

    const done = await authorizeInBrowser(server.url, created.connector_page_url ?? "", {
      cookie: cookiesOf(victims),
    });

    await expectStatus(done, 400);
    expect(await read(created.id)).toMatchObject({ status: "pending_authorization", credentials: null });
  });

  it("gets a short-lived HttpOnly, SameSite=Lax cookie on /oauth2, not Secure on http loopback", async () => {
    const created = await createPending();

    const start = await openPage(server.url, created.connector_page_url ?? "");

    const [cookie] = start.headers.getSetCookie();
    expect(cookie).toMatch(/^connvault_oauth=[\w-]{43}; /);
    expect(cookie?.split("; ").slice(1).sort()).toEqual([
      "HttpOnly",
      "Max-Age=600",
      "Path=/oauth2",
      "SameSite=Lax",
    ]);
  });
});

describe("the OAuth2 pages", () => {
  it("carry the API's security headers and cache-control: no-store, on redirects, results and errors", async () => {
    const created = await createPending();
    const api = await h.request("GET", `/v1/connections/${created.id}`, { key: org.adminKey });
    const start = await openPage(server.url, created.connector_page_url ?? "");
    const error = await fetch(`${server.url}/oauth2/authorize?state=forged`);
    const callback = await fetch(await providerCallback(start), { headers: { cookie: cookiesOf(start) } });

    for (const res of [start, error, callback]) {
      for (const header of ["strict-transport-security", "x-frame-options", "referrer-policy"]) {
        expect(res.headers.get(header), header).toBe(api.headers.get(header));
      }
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
    expect([start.status, error.status, callback.status]).toEqual([302, 400, 200]);
  });
});

describe("the OAuth2 cookie behind https", () => {
  it("is Secure when the public URL is https", async () => {
    const secure = await startHarness({ env: { CONNVAULT_PUBLIC_URL: "https://connvault.example" } });
    try {
      await registerOAuthConnector(secure, provider);
      const owner = await createOrganization(secure);
      const created = await secure.request("POST", "/v1/connectors/acme-oauth/connections", {
        key: owner.adminKey,
        body: { name: "Acme" },
      });
      const { connector_page_url } = await json<Connection>(created);

      const start = await secure.fetch(new Request(connector_page_url ?? ""));

      await expectStatus(start, 302);
      expect(start.headers.getSetCookie()[0]?.split("; ")).toContain("Secure");
    } finally {
      await secure.close();
    }
  });
});
