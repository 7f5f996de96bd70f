import { tmpdir } from "node:os";
import { join } from "node:path";
import { createResolverHandler } from "@connvault/functions";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, launchChromium } from "../helpers/browser.ts";
import { createOrganization, type Harness, json, startHarness } from "../helpers/harness.ts";
import { registerOAuthConnector, resolvedOAuth2Token } from "../helpers/oauth-connector.ts";
import { type OAuthServer, startOAuthServer } from "../helpers/oauth-server.ts";

const available = chromiumAvailable("the OAuth2 browser test");

let h: Harness;
let server: { url: string; close(): Promise<void> };
let provider: OAuthServer;
let browser: Browser;

beforeAll(async () => {
  if (!available) return;
  h = await startHarness();
  server = await h.listen();
  provider = await startOAuthServer({ redirectUris: [`${server.url}/oauth2/callback`] });
  await registerOAuthConnector(h, provider);
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  if (!available) return;
  await browser.close();
  await provider.close();
  await server.close();
  await h.close();
});

describe.skipIf(!available)("the OAuth2 flow in headless Chromium", () => {
  it("authorizes a connection from connector_page_url to an active connection with a working token", async () => {
    const org = await createOrganization(h);
    const created = await json<{ id: string; connector_page_url: string }>(
      await h.request("POST", "/v1/connectors/acme-oauth/connections", {
        key: org.adminKey,
        body: { name: "Acme" },
      }),
    );
    const page = await browser.newPage();
    const link = new URL(created.connector_page_url);
    await page.goto(`${server.url}${link.pathname}${link.search}`);
    await page.waitForURL(`${server.url}/oauth2/callback**`);
    await expect.poll(() => page.locator("main").getAttribute("data-outcome")).toBe("success");
    expect(await page.locator("h1").textContent()).toBe("Connected");
    // The page's security policy still lets its own inline style apply.
    expect(await page.evaluate('getComputedStyle(document.querySelector("h1")).color')).toBe(
      "rgb(20, 108, 46)",
    );
    await page.screenshot({ path: join(tmpdir(), "connvault-oauth-connected.png") });

    const connection = await json(
      await h.request("GET", `/v1/connections/${created.id}`, { key: org.adminKey }),
    );
    expect(connection).toMatchObject({ status: "active", oauth2_required: false });
    const resolved = await createResolverHandler(h.services)({
      organization_id: org.id,
      user_id: org.adminUserId,
      connection_id: created.id,
    });
    const token = resolvedOAuth2Token(resolved);
    expect(await provider.accepts(token?.access_token ?? "")).toBe(true);
  });
});
