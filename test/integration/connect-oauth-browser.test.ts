import { createResolverHandler } from "@connvault/functions";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, launchChromium } from "../helpers/browser.ts";
import { expectAccessible, openSession, pagePath, startPlatform } from "../helpers/connect-page.ts";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";
import type { LoopbackServer } from "../helpers/loopback-server.ts";
import { registerOAuthConnector, resolvedOAuth2Token } from "../helpers/oauth-connector.ts";
import { type OAuthServer, startOAuthServer } from "../helpers/oauth-server.ts";

// An OAuth2 connector on the connect page, in headless Chromium: the page sends the end user through the
// PKCE flow to a real authorization server (oidc-provider) and the callback ends where the session says.

const available = chromiumAvailable("the connect page's OAuth2 browser test");

let h: Harness;
let server: { url: string; close(): Promise<void> };
let provider: OAuthServer;
let platform: LoopbackServer;
let browser: Browser;

beforeAll(async () => {
  if (!available) return;
  h = await startHarness();
  server = await h.listen();
  provider = await startOAuthServer({ redirectUris: [`${server.url}/oauth2/callback`] });
  await registerOAuthConnector(h, provider);
  platform = await startPlatform();
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  if (!available) return;
  await browser.close();
  await platform.close();
  await provider.close();
  await server.close();
  await h.close();
});

describe.skipIf(!available)("an OAuth2 connector on the connect page", () => {
  it("authorizes at the provider and lands on redirect_url with status=connected; a denial first can be retried; then reconnects in a pop-up", async () => {
    const org = await createOrganization(h);
    const opened = await openSession(h, org.adminKey, {
      owner: org.adminUserId,
      allowed_connectors: ["acme-oauth"],
      redirect_url: `${platform.url}/done`,
    });
    const page = await browser.newPage();
    await page.goto(`${server.url}${pagePath(opened)}`);
    expect(await page.locator("button[type=submit]").textContent()).toBe("Continue to Acme (test provider)");
    await expectAccessible(page);

    // The end user refuses at the provider: a page that says so, with the request id; nothing is used up.
    provider.setConsent("deny");
    await page.click("button[type=submit]");
    await page.waitForURL(`${server.url}/oauth2/callback**`);
    expect(await page.locator("main").getAttribute("data-outcome")).toBe("error");
    expect(await page.locator("p").first().textContent()).toContain("declined at the provider");
    expect(await page.locator(".meta").textContent()).toMatch(/^Request id: req_/);
    const pending = await json<{ status: string; connection_id: string }>(
      await expectStatus(h.request("GET", `/v1/connect-sessions/${opened.id}`, { key: org.adminKey }), 200),
    );
    expect(pending.status).toBe("open");

    // Back on the connect page, a second try authorizes the same pending connection.
    provider.setConsent("approve");
    await page.goto(`${server.url}${pagePath(opened)}`);
    await page.click("button[type=submit]");
    await page.waitForURL(`${platform.url}/done**`);
    const landed = new URL(page.url());
    expect(landed.searchParams.get("status")).toBe("connected");
    expect(landed.searchParams.get("connection_id")).toBe(pending.connection_id);

    const used = await json<{ status: string; connection_id: string }>(
      await expectStatus(h.request("GET", `/v1/connect-sessions/${opened.id}`, { key: org.adminKey }), 200),
    );
    expect(used).toMatchObject({ status: "used", connection_id: pending.connection_id });
    const connection = await json(
      await expectStatus(
        h.request("GET", `/v1/connections/${pending.connection_id}`, { key: org.adminKey }),
        200,
      ),
    );
    expect(connection).toMatchObject({ status: "active", oauth2_required: false });
    // Both lifecycle events name the end user: the page made the connection, the consent authorized it.
    await h.edge.stream.drain();
    const events = h.edge.events.events.filter(
      (e) => (e.detail as { connection?: { id?: string } }).connection?.id === pending.connection_id,
    );
    expect(events.map((e) => [e.detail_type, (e.detail as { actor: unknown }).actor])).toEqual([
      ["connection.created", { type: "end_user", id: org.adminUserId }],
      ["connection.authorized", { type: "end_user", id: org.adminUserId }],
    ]);
    const resolved = await createResolverHandler(h.services)({
      organization_id: org.id,
      user_id: org.adminUserId,
      connection_id: pending.connection_id,
    });
    expect(await provider.accepts(resolvedOAuth2Token(resolved)?.access_token ?? "")).toBe(true);

    // The link is used up: opening it again says so.
    await page.goto(`${server.url}${pagePath(opened)}`);
    expect(await page.locator("main").getAttribute("data-code")).toBe("connect_page_used");
    await page.close();

    // Re-authorizing in place, from a platform's pop-up: the opener is told, the same connection gets a new token.
    const reconnect = await openSession(h, org.adminKey, {
      owner: org.adminUserId,
      connection_id: pending.connection_id,
      redirect_url: `${platform.url}/done`,
    });
    const opener = await browser.newPage();
    await opener.goto(`${platform.url}/app`);
    const [popup] = await Promise.all([
      opener.waitForEvent("popup"),
      opener.evaluate(
        `void window.open(${JSON.stringify(`${server.url}${pagePath(reconnect)}`)}, "connect")`,
      ),
    ]);
    await popup.waitForLoadState();
    expect(await popup.locator("h1").textContent()).toBe("Reconnect Acme (test provider)");
    await Promise.all([popup.waitForEvent("close"), popup.click("button[type=submit]")]);
    await expect
      .poll(() => opener.evaluate("window.received"))
      .toEqual([
        {
          origin: server.url,
          data: {
            type: "connvault:connect",
            status: "connected",
            connection_id: pending.connection_id,
            connect_session_id: reconnect.id,
          },
        },
      ]);
    const reauthorized = await json<{ credentials: { version: number } }>(
      await expectStatus(
        h.request("GET", `/v1/connections/${pending.connection_id}`, { key: org.adminKey }),
        200,
      ),
    );
    expect(reauthorized.credentials.version).toBe(2);
    await opener.close();
  });
});
