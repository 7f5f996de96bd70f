import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, launchChromium } from "../helpers/browser.ts";
import {
  LOOPBACK_CONNECTORS as C,
  expectAccessible,
  type OpenedSession,
  openSession,
  pagePath,
  startLoopbackConnectors,
  startPlatform,
} from "../helpers/connect-page.ts";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";
import { type LoopbackServer, startLoopbackServer } from "../helpers/loopback-server.ts";

// The hosted connect page in headless Chromium: an end user enters their own credentials, which go
// through the connection use-cases straight to Secrets Manager; the platform only learns connection_id.

const available = chromiumAvailable("the connect page browser test");

let h: Harness;
let server: { url: string; close(): Promise<void> };
/** The platform's own page, where a finished connect lands (redirect_url). */
let platform: LoopbackServer;
/** The connectors' target system, which checks credentials. */
let upstream: LoopbackServer;
let browser: Browser;
/** Moves the services' clock forward (session expiry). */
let offsetMs = 0;

beforeAll(async () => {
  if (!available) return;
  h = await startHarness({ overrides: { clock: { now: () => new Date(Date.now() + offsetMs) } } });
  server = await h.listen();
  upstream = await startLoopbackConnectors(h);
  platform = await startPlatform();
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  if (!available) return;
  await browser.close();
  await platform.close();
  await upstream.close();
  await server.close();
  await h.close();
});

/** A new page in the browser on the session's connect page. */
const openPage = async (opened: OpenedSession, options?: Parameters<Browser["newPage"]>[0]) => {
  const page = await browser.newPage(options);
  await page.goto(`${server.url}${pagePath(opened)}`);
  return page;
};

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(tmpdir(), `connvault-connect-${name}.png`), fullPage: true });

const connection = async (key: string, id: string) =>
  json<{ status: string; owner: string; credentials: { auth_method: string; version: number } | null }>(
    await expectStatus(h.request("GET", `/v1/connections/${id}`, { key }), 200),
  );

const session = async (key: string, id: string) =>
  json<{ status: string; connection_id: string | null }>(
    await expectStatus(h.request("GET", `/v1/connect-sessions/${id}`, { key }), 200),
  );

describe.skipIf(!available)("the connect page in headless Chromium", () => {
  it("connects an API key and lands on redirect_url with connection_id and status=connected", async () => {
    const org = await createOrganization(h, "Acme Corp");
    const opened = await openSession(h, org.adminKey, {
      owner: "end_user_1",
      access_scope: "organizational",
      allowed_connectors: [C.apiKey.id],
      redirect_url: `${platform.url}/connected`,
    });
    const page = await openPage(opened);
    expect(await page.locator("h1").textContent()).toBe(`Connect ${C.apiKey.name}`);
    expect(await page.locator(".org").textContent()).toBe("Acme Corp");
    // The API key's header name, from the connector's security scheme, as a hint.
    expect(await page.locator("#api_key-hint").textContent()).toContain(C.apiKey.header);
    await expectAccessible(page);
    await shot(page, "api-key");
    await page.fill("#api_key", "key_end_user");
    await page.click("button[type=submit]");
    await page.waitForURL(`${platform.url}/connected**`);
    const landed = new URL(page.url());
    expect(landed.searchParams.get("status")).toBe("connected");
    const id = landed.searchParams.get("connection_id") ?? "";
    expect(await connection(org.adminKey, id)).toMatchObject({
      status: "active",
      owner: "end_user_1",
      credentials: { auth_method: "apiKey", version: 1 },
    });
    expect(await session(org.adminKey, opened.id)).toEqual(
      expect.objectContaining({ status: "used", connection_id: id }),
    );
    await page.close();
  });

  it("offers a choice, then connects a username and password on a phone-sized screen, and says it worked", async () => {
    const org = await createOrganization(h, "Globex");
    const opened = await openSession(h, org.adminKey, {
      owner: org.adminUserId,
      allowed_connectors: [C.bearer.id, C.basic.id, C.apiKey.id],
    });
    const page = await openPage(opened, { viewport: { width: 390, height: 844 } });
    expect(await page.locator("h1").textContent()).toBe("Connect an account");
    expect(await page.locator(".choice strong").allTextContents()).toEqual([
      C.bearer.name,
      C.basic.name,
      C.apiKey.name,
    ]);
    await expectAccessible(page);
    await shot(page, "chooser-phone");
    await page.click(`text=${C.basic.name}`);
    expect(await page.locator("h1").textContent()).toBe(`Connect ${C.basic.name}`);
    // The page's hashed stylesheet applies under its policy: the button is styled.
    expect(await page.evaluate('getComputedStyle(document.querySelector("button")).backgroundColor')).toBe(
      "rgb(29, 78, 216)",
    );
    // The page fits the phone: nothing scrolls sideways.
    expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
    await page.fill("#username", "AC_end_user");
    await page.fill("#password", "twilio-password-end-user");
    await page.click("button[type=submit]");
    await expect.poll(() => page.locator("main").getAttribute("data-outcome")).toBe("success");
    expect(await page.locator("h1").textContent()).toBe("Connected");
    expect(await page.content()).not.toContain("twilio-password-end-user");
    await expectAccessible(page);
    await shot(page, "success-phone");
    const used = await session(org.adminKey, opened.id);
    expect(await connection(org.adminKey, used.connection_id ?? "")).toMatchObject({
      credentials: { auth_method: "basic" },
    });
    await page.close();
  });

  it("works with JavaScript off: a bearer token, an empty field refused with a message, then connected", async () => {
    const org = await createOrganization(h);
    const opened = await openSession(h, org.adminKey, {
      owner: org.adminUserId,
      allowed_connectors: [C.bearer.id],
    });
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}${pagePath(opened)}`);
    // Blank is not empty to the browser's own check; the page's refuses it.
    await page.fill("#token", "   ");
    await page.click("button[type=submit]");
    expect(await page.locator("[role=alert]").textContent()).toBe("Enter your access token.");
    expect(await page.locator("#token").getAttribute("aria-invalid")).toBe("true");
    await shot(page, "form-error");
    await page.fill("#token", "sk_test_end_user");
    await page.click("button[type=submit]");
    expect(await page.locator("main").getAttribute("data-outcome")).toBe("success");
    expect((await session(org.adminKey, opened.id)).status).toBe("used");
    await context.close();
  });

  it("tries the entered credentials first (verify): a refusal shows the form again and stores nothing", async () => {
    const org = await createOrganization(h);
    const opened = await openSession(h, org.adminKey, {
      owner: org.adminUserId,
      allowed_connectors: [C.basic.id],
    });
    const page = await openPage(opened);
    await page.fill("#username", "AC_end_user");
    await page.fill("#password", "bad-password");
    const checks = upstream.requests.length;
    await page.click("button[type=submit]");
    expect(await page.locator("[role=alert]").textContent()).toBe(
      `${C.basic.name} did not accept these credentials (it answered 401). Check them and try again.`,
    );
    // Nothing typed comes back, not even the username (a credential too).
    expect(await page.content()).not.toContain("bad-password");
    expect(await page.content()).not.toContain("AC_end_user");
    expect(await page.locator(".meta").textContent()).toMatch(/^Request id: req_/);
    expect(upstream.requests.slice(checks).map((r) => [r.method, r.url])).toEqual([["GET", "/whoami"]]);
    const list = await json<{ data: unknown[] }>(
      await expectStatus(
        h.request("GET", `/v1/connections?connector_id=${C.basic.id}`, { key: org.adminKey }),
        200,
      ),
    );
    expect(list.data).toEqual([]);
    expect((await session(org.adminKey, opened.id)).status).toBe("open");
    await page.fill("#username", "AC_end_user");
    await page.fill("#password", "good-password");
    await page.click("button[type=submit]");
    expect(await page.locator("main").getAttribute("data-outcome")).toBe("success");
    await page.close();
  });

  it("reconnects an existing connection in place: new credentials, same connection", async () => {
    const org = await createOrganization(h);
    const created = await json<{ id: string }>(
      await expectStatus(
        h.request("POST", `/v1/connectors/${C.bearer.id}/connections`, {
          key: org.adminKey,
          body: { name: "Pay", security: { authMethod: "bearer", token: "sk_old" } },
        }),
        201,
      ),
    );
    const opened = await openSession(h, org.adminKey, { owner: org.adminUserId, connection_id: created.id });
    const page = await openPage(opened);
    expect(await page.locator("h1").textContent()).toBe(`Reconnect ${C.bearer.name}`);
    await page.fill("#token", " ");
    await page.click("button[type=submit]");
    expect(await page.locator("[role=alert]").textContent()).toBe("Enter your access token.");
    await expectAccessible(page);
    await page.fill("#token", "sk_new_end_user");
    await page.click("button[type=submit]");
    expect(await page.locator("main").getAttribute("data-outcome")).toBe("success");
    expect(await connection(org.adminKey, created.id)).toMatchObject({
      credentials: { auth_method: "bearer", version: 2 },
    });
    await page.close();
  });

  it("shows a page that says so for a revoked, a used, an expired and an unknown link", async () => {
    const org = await createOrganization(h);
    const revoked = await openSession(h, org.adminKey, {
      owner: org.adminUserId,
      allowed_connectors: [C.bearer.id],
    });
    await expectStatus(h.request("DELETE", `/v1/connect-sessions/${revoked.id}`, { key: org.adminKey }), 204);
    const expired = await openSession(h, org.adminKey, {
      owner: org.adminUserId,
      allowed_connectors: [C.bearer.id],
    });
    const page = await browser.newPage();
    const expectFailure = async (path: string, status: number, code: string, title: string) => {
      const answer = await page.goto(`${server.url}${path}`);
      expect(answer?.status()).toBe(status);
      expect(await page.locator("main").getAttribute("data-code")).toBe(code);
      expect(await page.locator("h1").textContent()).toBe(title);
      expect(await page.locator(".meta").textContent()).toMatch(/^Request id: req_/);
      await expectAccessible(page);
    };
    await expectFailure(pagePath(revoked), 410, "connect_page_revoked", "This link was cancelled");
    await expectFailure(
      `${pagePath(expired)}?connector=slack`,
      404,
      "connect_page_unknown_connector",
      "This service is not offered here",
    );
    await shot(page, "revoked");
    await expectFailure(
      `/connect/${revoked.id}.not-the-secret`,
      404,
      "connect_page_invalid",
      "This link is not valid",
    );
    offsetMs = 31 * 60 * 1000;
    try {
      await expectFailure(pagePath(expired), 410, "connect_page_expired", "This link has expired");
    } finally {
      offsetMs = 0;
    }
    expect((await session(org.adminKey, expired.id)).status).toBe("open");
    await page.close();
  });

  it("refuses a form posted from another site (CSRF): the browser does not send the page's cookie", async () => {
    const org = await createOrganization(h);
    const opened = await openSession(h, org.adminKey, {
      owner: org.adminUserId,
      allowed_connectors: [C.bearer.id],
    });
    const page = await openPage(opened);
    const csrf = await page.locator("input[name=csrf]").getAttribute("value");
    // A page elsewhere (another origin, and another site: localhost is not 127.0.0.1) posts the same form.
    const attacker = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><form method="post" action="${server.url}${pagePath(opened)}">
        <input name="connector" value="${C.bearer.id}"><input name="csrf" value="${csrf}">
        <input name="token" value="sk_attacker"><button>go</button></form>`);
    });
    try {
      await page.goto(attacker.url.replace("127.0.0.1", "localhost"));
      await page.click("button");
      await expect.poll(() => page.locator("main").getAttribute("data-code")).toBe("connect_page_forbidden");
      expect((await session(org.adminKey, opened.id)).status).toBe("open");
    } finally {
      await attacker.close();
    }
    await page.close();
  });

  it("makes one connection from a double submit", async () => {
    const org = await createOrganization(h);
    const opened = await openSession(h, org.adminKey, {
      owner: org.adminUserId,
      allowed_connectors: [C.bearer.id],
    });
    const page = await openPage(opened);
    const csrf = (await page.locator("input[name=csrf]").getAttribute("value")) ?? "";
    const [cookie] = await page.context().cookies();
    // Two submits of the same form with the browser's cookie, at once, as a double click sends them.
    const send = () =>
      fetch(`${server.url}${pagePath(opened)}`, {
        method: "POST",
        headers: { cookie: `${cookie?.name}=${cookie?.value}` },
        body: new URLSearchParams({ connector: C.bearer.id, csrf, token: "sk_double" }),
        redirect: "manual",
      }).then((r) => r.status);
    const statuses = await Promise.all([send(), send()]);
    // Both succeed (the same connection), or the later one finds the link used.
    expect(statuses).toContain(200);
    expect(statuses.every((status) => status === 200 || status === 409)).toBe(true);
    const list = await json<{ data: { id: string }[] }>(
      await expectStatus(
        h.request("GET", `/v1/connections?connector_id=${C.bearer.id}`, { key: org.adminKey }),
        200,
      ),
    );
    expect(list.data).toHaveLength(1);
    expect((await session(org.adminKey, opened.id)).connection_id).toBe(list.data[0]?.id);
    await page.close();
  });

  it("in a pop-up, posts the result to the opener at redirect_url's origin only, then closes", async () => {
    const org = await createOrganization(h);
    const openPopup = async (openerUrl: string) => {
      const opened = await openSession(h, org.adminKey, {
        owner: org.adminUserId,
        allowed_connectors: [C.bearer.id],
        redirect_url: `${platform.url}/done`,
      });
      const opener = await browser.newPage();
      await opener.goto(openerUrl);
      const [popup] = await Promise.all([
        opener.waitForEvent("popup"),
        opener.evaluate(`void window.open(${JSON.stringify(`${server.url}${pagePath(opened)}`)}, "connect")`),
      ]);
      await popup.waitForLoadState();
      await popup.fill("#token", "sk_popup");
      await Promise.all([popup.waitForEvent("close"), popup.click("button[type=submit]")]);
      return { opener, opened };
    };

    const { opener, opened } = await openPopup(`${platform.url}/app`);
    const { connection_id } = await session(org.adminKey, opened.id);
    await expect
      .poll(() => opener.evaluate("window.received"))
      .toEqual([
        {
          origin: server.url,
          data: {
            type: "connvault:connect",
            status: "connected",
            connection_id,
            connect_session_id: opened.id,
          },
        },
      ]);
    // An opener at another origin than redirect_url's gets nothing (the pop-up still closes).
    const elsewhere = await openPopup(`${platform.url.replace("127.0.0.1", "localhost")}/app`);
    expect((await session(org.adminKey, elsewhere.opened.id)).status).toBe("used");
    expect(await elsewhere.opener.evaluate("window.received")).toEqual([]);
    await opener.close();
    await elsewhere.opener.close();
  });
});
