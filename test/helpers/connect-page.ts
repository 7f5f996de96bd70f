import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { expectStatus, type Harness, json } from "./harness.ts";
import { type LoopbackServer, startLoopbackServer } from "./loopback-server.ts";

export interface OpenedSession {
  id: string;
  token: string;
  connect_url: string;
}

/** Opens a connect session over the API; `connect_url`'s path is what a browser opens on the test server. */
export async function openSession(
  h: Harness,
  key: string,
  body: Record<string, unknown>,
): Promise<OpenedSession> {
  return json<OpenedSession>(
    await expectStatus(h.request("POST", "/v1/connect-sessions", { key, body }), 201),
  );
}

/** The connect page's path (the test server's origin differs from the one the API put in connect_url). */
export const pagePath = (session: OpenedSession) => new URL(session.connect_url).pathname;

/** The test's target systems: one connector per auth type a person types credentials for. */
export const LOOPBACK_CONNECTORS = {
  apiKey: { id: "acme-metrics", name: "Acme Metrics", header: "X-Acme-Key" },
  basic: { id: "acme-sms", name: "Acme SMS" },
  bearer: { id: "acme-pay", name: "Acme Pay" },
} as const;

/**
 * A "who am I" endpoint on loopback (`GET /whoami`) that accepts any credential but one starting with
 * `bad`, and the three connectors that check credentials against it (`verify`), registered with the
 * root key as an operator would. No test traffic leaves loopback.
 */
export async function startLoopbackConnectors(h: Harness): Promise<LoopbackServer> {
  const upstream = await startLoopbackServer((req, res) => {
    const given =
      (req.headers[LOOPBACK_CONNECTORS.apiKey.header.toLowerCase()] as string | undefined) ??
      req.headers.authorization?.replace(/^(Bearer|Basic) /, "") ??
      "";
    const decoded = req.headers.authorization?.startsWith("Basic ")
      ? (Buffer.from(given, "base64").toString("utf8").split(":")[1] ?? "")
      : given;
    const ok = req.url === "/whoami" && decoded !== "" && !decoded.startsWith("bad");
    res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok }));
  });
  const version = (security_schema: object) => ({
    version: "v1",
    servers: [{ url: upstream.url }],
    security_schema,
    verify: { method: "GET", path: "/whoami" },
  });
  const connectors = [
    {
      ...LOOPBACK_CONNECTORS.apiKey,
      auth_type: "api_key",
      schema: { type: "apiKey", in: "header", name: LOOPBACK_CONNECTORS.apiKey.header },
    },
    { ...LOOPBACK_CONNECTORS.basic, auth_type: "basic", schema: { type: "http", scheme: "basic" } },
    { ...LOOPBACK_CONNECTORS.bearer, auth_type: "bearer", schema: { type: "http", scheme: "bearer" } },
  ];
  for (const { id, name, auth_type, schema } of connectors) {
    await expectStatus(
      h.request("PUT", `/v1/connectors/${id}`, {
        key: h.rootApiKey,
        body: {
          name,
          description: `${name}, a test system on loopback`,
          auth_type,
          versions: [version(schema)],
        },
      }),
      200,
    );
  }
  return upstream;
}

/**
 * The platform's own page on loopback, where a finished connect lands (redirect_url) and which opens
 * the connect page as a pop-up: it keeps every message a window posts to it in `window.received`.
 */
export const startPlatform = (): Promise<LoopbackServer> =>
  startLoopbackServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<!doctype html><title>Back on the platform</title><p>Back on the platform</p>
<script>window.received = []; addEventListener("message", (e) => received.push({ origin: e.origin, data: e.data }));</script>`);
  });

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core's WCAG 2.1 AA rules on the page as it is, evaluated through the DevTools protocol (the
 * page's policy allows no script of its own); fails on any serious or critical violation.
 */
export async function expectAccessible(page: Page): Promise<void> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run(options: object): Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    const result = await axe.run({
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target),
    }));
  });
  const severe = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(severe, JSON.stringify(severe, null, 2)).toEqual([]);
}
