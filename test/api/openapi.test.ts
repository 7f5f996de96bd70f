import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

type Document = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
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
});
