import { UnifiedTo } from "@unified-api/typescript-sdk";
import { describe, expect } from "vitest";
import { harnessTest } from "../helpers/fixtures.ts";
import { expectStatus, type Harness, json, type TestOrganization } from "../helpers/harness.ts";
import { type LoopbackServer, startLoopbackServer } from "../helpers/loopback-server.ts";

/** An upstream that records each request and answers JSON naming what it got. */
const it = harnessTest().extend<{ upstream: LoopbackServer }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern.
  upstream: async ({}, use) => {
    const server = await startLoopbackServer((req, res, body) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ method: req.method, url: req.url, body, auth: req.headers.authorization }));
    });
    await use(server);
    await server.close();
  },
});

/** A unified connection (auth.access_token) to a connector whose server is the upstream. */
async function unifiedConnection(h: Harness, org: TestOrganization, upstream: string) {
  const connector = `pt-${Math.random().toString(36).slice(2, 10)}`;
  await expectStatus(
    h.request("PUT", `/v1/connectors/${connector}`, {
      key: h.rootApiKey,
      body: {
        name: "Passthrough test",
        description: "An echoing upstream",
        auth_type: "oauth2",
        versions: [{ version: "v1", servers: [{ url: `${upstream}/api` }], security_schema: null }],
        oauth2: {
          authorization_url: "https://provider.example/authorize",
          token_url: "https://provider.example/token",
          scopes: [],
          pkce: true,
          client_id: "cid",
        },
      },
    }),
    200,
  );
  const res = await h.request("POST", "/unified/connection", {
    key: org.adminKey,
    body: {
      integration_type: connector,
      permissions: [],
      categories: [],
      auth: { access_token: "at_unified_canary" },
    },
  });
  await expectStatus(res, 200);
  return (await json<{ id: string }>(res)).id;
}

describe("unified.to's passthrough, through its official SDK", () => {
  it("sends every passthrough operation to the connection's upstream with its token", async ({
    h,
    org,
    upstream,
  }) => {
    // Arrange
    const connectionId = await unifiedConnection(h, org, upstream.url);
    const server = await h.listen();
    const sdk = new UnifiedTo({ serverURL: server.url, security: { jwt: `Bearer ${org.adminKey}` } });
    const bytes = new TextEncoder().encode("raw bytes");
    try {
      // Act
      const listed = await sdk.passthrough.listPassthroughs({
        connectionId,
        path: "contacts/7",
        query: { limit: 5 },
      });
      await sdk.passthrough.createPassthroughJson({
        connectionId,
        path: "contacts",
        requestBody: { name: "Ann" },
      });
      await sdk.passthrough.updatePassthroughJson({
        connectionId,
        path: "contacts/7",
        requestBody: { name: "Bo" },
      });
      await sdk.passthrough.patchPassthroughJson({
        connectionId,
        path: "contacts/7",
        requestBody: { name: "Cy" },
      });
      await sdk.passthrough.removePassthrough({ connectionId, path: "contacts/7" });
      await sdk.passthrough.createPassthroughRaw({ connectionId, path: "files", requestBody: bytes });
      await sdk.passthrough.updatePassthroughRaw({ connectionId, path: "files/1", requestBody: bytes });
      await sdk.passthrough.patchPassthroughRaw({ connectionId, path: "files/1", requestBody: bytes });

      // Assert
      expect(listed?.result).toMatchObject({
        method: "GET",
        url: "/api/contacts/7?limit=5",
        auth: "Bearer [REDACTED]",
      });
      expect(upstream.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
        "GET /api/contacts/7?limit=5 ",
        'POST /api/contacts {"name":"Ann"}',
        'PUT /api/contacts/7 {"name":"Bo"}',
        'PATCH /api/contacts/7 {"name":"Cy"}',
        "DELETE /api/contacts/7 ",
        "POST /api/files raw bytes",
        "PUT /api/files/1 raw bytes",
        "PATCH /api/files/1 raw bytes",
      ]);
      for (const request of upstream.requests) {
        expect(request.headers.authorization).toBe("Bearer at_unified_canary");
        expect(request.headers["x-api-key"]).toBeUndefined();
      }
    } finally {
      await server.close();
    }
  });
});
