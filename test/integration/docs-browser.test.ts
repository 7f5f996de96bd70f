import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, launchChromium } from "../helpers/browser.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";

const available = chromiumAvailable("the /docs browser check");

let h: Harness;
let server: { url: string; close(): Promise<void> };
let browser: Browser;

beforeAll(async () => {
  if (!available) return;
  h = await startHarness();
  server = await h.listen();
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  if (!available) return;
  await browser.close();
  await server.close();
  await h.close();
});

describe.skipIf(!available)("GET /docs in headless Chromium", () => {
  it("renders the reference with the connection operations, offline and within its CSP", {
    timeout: 60_000,
  }, async () => {
    const page = await browser.newPage();
    const external: string[] = [];
    const violations: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(server.url) && !request.url().startsWith("data:"))
        external.push(request.url());
    });
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${server.url}/docs`);
    await page.getByRole("button", { name: /^Connections\s*Open Group$/ }).click({ timeout: 30_000 });
    await page.getByText("Rotate a connection's credentials").first().waitFor({ timeout: 30_000 });
    const text = (await page.locator("body").textContent()) ?? "";
    for (const label of [
      "Create a connection",
      "List connections",
      "Update a connection",
      "unified.to-compatible",
      "Credential reads",
    ]) {
      expect(text).toContain(label);
    }
    // Scalar's hosted features need its servers: a self-hosted, offline reference shows none of them.
    for (const hosted of ["Ask AI", "Generate MCP", "Connect MCP", "Developer Tools", "Deploy"]) {
      expect(text).not.toContain(hosted);
    }
    expect(external).toEqual([]);
    expect(violations).toEqual([]);
  });
});
