import { describe, expect } from "vitest";
import { it } from "../helpers/fixtures.ts";
import { expectStatus, json } from "../helpers/harness.ts";

// Cases schemathesis found: ids no resource can have, and connector definitions DynamoDB cannot store.

describe("path ids that name nothing", () => {
  it.for([
    ["GET", "/v1/connections/"],
    ["PATCH", "/v1/connections/"],
    ["DELETE", "/v1/connections/"],
    ["DELETE", "/unified/connection/"],
    ["GET", "/unified/connection/"],
    ["GET", "/v1/connectors/"],
    ["DELETE", "/v1/api-keys/"],
    ["POST", "/v1/connections/"],
  ] as const)(
    "%s %s… answers 404 for an over-long or odd id, never 422 or 5xx",
    async ([method, prefix], { h, org }) => {
      for (const id of ["0".repeat(65), "%C3%A9", "conn_x%20y", "conn_x%26y", "a".repeat(3000)]) {
        const path = method === "POST" ? `${prefix}${id}/health` : `${prefix}${id}`;
        const body = method === "PATCH" ? { name: "x" } : method === "POST" ? { healthy: true } : undefined;
        const res = await h.request(method, path, { key: org.adminKey, ...(body ? { body } : {}) });
        expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBe(404);
      }
    },
  );
});

describe("PUT /v1/connectors/{connector_id}", () => {
  const connector = (schema: unknown) => ({
    name: "T",
    description: "",
    auth_type: "none",
    versions: [{ version: "v1", servers: [{ url: "https://example.com" }], security_schema: schema }],
  });

  it("rejects an id outside the connector id pattern with 422, leaving the catalog readable", async ({
    h,
    org,
  }) => {
    const res = await h.request("PUT", "/v1/connectors/UPPER", { key: h.rootApiKey, body: connector(null) });
    await expectStatus(res, 422);
    expect((await json<{ errors: { path: string }[] }>(res)).errors[0]?.path).toBe("connector_id");
    const catalog = await h.request("GET", "/v1/connectors", { key: org.adminKey });
    await expectStatus(catalog, 200);
  });

  it("stores security schemes with any JSON number", async ({ h, org }) => {
    for (const n of [1e-131, 39_919_902_024_764_400, 1e126]) {
      const res = await h.request("PUT", "/v1/connectors/numbers", {
        key: h.rootApiKey,
        body: connector({ type: "http", n }),
      });
      await expectStatus(res, 200);
      const read = await json<{ versions: { security_schema: { n: number } }[] }>(
        await h.request("GET", "/v1/connectors/numbers", { key: org.adminKey }),
      );
      expect(read.versions[0]?.security_schema.n).toBe(n);
    }
    const catalog = await h.request("GET", "/v1/connectors", { key: org.adminKey });
    await expectStatus(catalog, 200);
  });
});
