import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

type Document = {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<string, Record<string, { operationId?: string; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
};

describe("GET /openapi.json", () => {
  it("documents every route of the contract", async () => {
    const doc = await json<Document>(await h.request("GET", "/openapi.json"));
    expect(doc.openapi).toBe("3.1.0");
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        "GET /v1/health",
        "POST /v1/organizations",
        "POST /v1/api-keys",
        "GET /v1/api-keys",
        "DELETE /v1/api-keys/{id}",
        "GET /v1/me",
        "GET /v1/proxy-calls",
        "GET /v1/connectors",
        "GET /v1/connectors/{connector_id}",
        "POST /v1/connectors/{connector_id}/connections",
        "POST /v1/connectors/{connector_id}/connect",
        "GET /v1/connections",
        "GET /v1/connections/{id}",
        "PATCH /v1/connections/{id}",
        "DELETE /v1/connections/{id}",
        "PUT /v1/connections/{id}/credentials",
        "POST /v1/connections/{id}/health",
        "POST /v1/connections/{id}/authorize",
        "PUT /v1/connectors/{connector_id}",
        "GET /v1/credential-reads",
        "POST /unified/connection",
        "GET /unified/connection",
        "GET /unified/connection/{id}",
        "PATCH /unified/connection/{id}",
        "PUT /unified/connection/{id}",
        "DELETE /unified/connection/{id}",
        "POST /v1/connect-sessions",
        "GET /v1/connect-sessions/{id}",
        "DELETE /v1/connect-sessions/{id}",
      ].sort(),
    );
  });

  it("names every operation once, unified's routes as unified.to's own SDK does", async () => {
    const doc = await json<Document>(await h.request("GET", "/openapi.json"));
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(
      ids.every((id) => typeof id === "string" && /^[a-z][A-Za-z]+$/.test(id)),
      String(ids),
    ).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths["/unified/connection/{id}"]).toMatchObject({
      get: { operationId: "getUnifiedConnection" },
      patch: { operationId: "patchUnifiedConnection" },
      put: { operationId: "updateUnifiedConnection" },
      delete: { operationId: "removeUnifiedConnection" },
    });
  });

  it("names its server: the origin it was fetched from, so copied samples have a host", async () => {
    const doc = await json<Document>(await h.request("GET", "/openapi.json"));
    expect(doc.servers).toEqual([{ url: "http://localhost" }]);
    const served = await h.listen();
    try {
      const remote = (await (await fetch(`${served.url}/openapi.json`)).json()) as Document;
      expect(remote.servers).toEqual([{ url: served.url }]);
    } finally {
      await served.close();
    }
  });

  it("never exposes write-only fields in the Connection response schema", async () => {
    const doc = await json<Document>(await h.request("GET", "/openapi.json"));
    const connection = doc.components.schemas.Connection?.properties ?? {};
    expect(Object.keys(connection)).toContain("auth_aws_arn");
    expect(Object.keys(connection)).not.toContain("security");
    expect(Object.keys(connection)).not.toContain("headers");
  });
});

describe("GET /docs", () => {
  it("serves the reference page with its script from connvault itself, not a CDN", async () => {
    const page = await (await h.request("GET", "/docs")).text();
    const sources = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources).toContain("/docs/scalar.js");
    expect(sources.filter((s) => s?.startsWith("http"))).toEqual([]);
    expect(page).toContain("/openapi.json");
    const script = await h.request("GET", "/docs/scalar.js");
    await expectStatus(script, 200);
    expect(script.headers.get("content-type")).toContain("javascript");
    expect((await script.text()).length).toBeGreaterThan(100_000);
  });

  it("leaves out Scalar's hosted features, which cannot work offline", async () => {
    const page = await (await h.request("GET", "/docs")).text();
    // Scalar's Hono page passes its configuration to createApiReference as JSON.
    const config = JSON.parse(/createApiReference\('#app', (\{[\s\S]*?\})\)/.exec(page)?.[1] ?? "{}");
    expect(config).toMatchObject({
      agent: { disabled: true },
      showDeveloperTools: "never",
      telemetry: false,
    });
  });
});

describe("GET / and GET /v1", () => {
  it.for(["/", "/v1"])("%s sends a browser to /docs and tells a client where things are", async (path) => {
    const browser = await h.request("GET", path, { headers: { accept: "text/html,application/xhtml+xml" } });
    await expectStatus(browser, 302);
    expect(browser.headers.get("location")).toBe("/docs");
    const client = await expectStatus(h.request("GET", path), 200);
    expect(await client.json()).toEqual({
      name: "connvault",
      docs: "http://localhost/docs",
      openapi: "http://localhost/openapi.json",
      health: "http://localhost/v1/health",
    });
  });
});
