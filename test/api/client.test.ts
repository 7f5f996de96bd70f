import {
  type Connection,
  type ConnvaultClientOptions,
  ConnvaultError,
  createConnvaultClient as createClient,
} from "@connvault/client";
import { createResolverHandler } from "@connvault/functions";
import { describe, expect } from "vitest";
import { harnessTest } from "../helpers/fixtures.ts";
import { startLoopbackServer } from "../helpers/loopback-server.ts";

/** Every operation family of the API through @connvault/client, over real HTTP. */
const it = harnessTest();

/** What this file's clients sent, as `METHOD /path/as/sent`, to check that every operation was. */
const sent: string[] = [];
const createConnvaultClient = (options: ConnvaultClientOptions) =>
  createClient({
    ...options,
    fetch: (request) => {
      sent.push(`${request.method} ${new URL(request.url).pathname}`);
      return globalThis.fetch(request);
    },
  });

const stripe = (name: string) => ({
  params: { path: { connector_id: "stripe" } },
  body: { name, security: { authMethod: "bearer" as const, token: "sk_test_client" } },
});

describe("@connvault/client against the local server", () => {
  it("reads the health check without a key", async ({ server }) => {
    // Act
    const health = await createConnvaultClient({ baseUrl: server.url }).GET("/v1/health");

    // Assess
    expect(health).toEqual({ status: "ok" });
  });

  it("creates an organization with the root key, whose admin key says who it is", async ({ h, server }) => {
    // Arrange
    const root = createConnvaultClient({ baseUrl: server.url, apiKey: h.rootApiKey });

    // Act
    const org = await root.POST("/v1/organizations", { body: { name: "Client org" } });
    const me = await createConnvaultClient({ baseUrl: server.url, apiKey: org.admin_api_key.key }).GET(
      "/v1/me",
    );

    // Assess
    expect(org).toMatchObject({ name: "Client org", admin_api_key: { role: "admin" } });
    expect(me).toMatchObject({ organization_id: org.id, role: "admin", api_key_id: org.admin_api_key.id });
  });

  it("issues, lists and revokes API keys; a revoked key is refused with a ConnvaultError", async ({
    org,
    server,
  }) => {
    // Arrange
    const admin = createConnvaultClient({ baseUrl: server.url, apiKey: org.adminKey });

    // Act
    const issued = await admin.POST("/v1/api-keys", { body: { user_id: "user_client", role: "member" } });
    const listed = await admin.GET("/v1/api-keys");
    await admin.DELETE("/v1/api-keys/{id}", { params: { path: { id: issued.id } } });
    const refused = await createConnvaultClient({ baseUrl: server.url, apiKey: issued.key, retry: false })
      .GET("/v1/me")
      .catch((error: unknown) => error);

    // Assess
    expect(listed.data.map((k) => k.id)).toContain(issued.id);
    expect(refused).toBeInstanceOf(ConnvaultError);
    expect(refused).toMatchObject({ status: 401, code: "unauthorized" });
  });

  it("lists and reads connectors, and puts one with the root key", async ({ h, org, server }) => {
    // Arrange
    const root = createConnvaultClient({ baseUrl: server.url, apiKey: h.rootApiKey });
    const member = createConnvaultClient({ baseUrl: server.url, apiKey: org.adminKey });
    const id = `client-${Math.random().toString(36).slice(2, 8)}`;

    // Act
    const put = await root.PUT("/v1/connectors/{connector_id}", {
      params: { path: { connector_id: id } },
      body: {
        name: "Client test",
        description: "Put by the client",
        auth_type: "none",
        versions: [{ version: "v1", servers: [{ url: "http://127.0.0.1:9" }], security_schema: null }],
      },
    });
    const catalog = await member.GET("/v1/connectors");
    const read = await member.GET("/v1/connectors/{connector_id}", {
      params: { path: { connector_id: id } },
    });

    // Assess
    expect(put).toMatchObject({ id, latest_version: "v1" });
    expect(catalog.data.map((c) => c.id)).toEqual(expect.arrayContaining(["stripe", id]));
    expect(read).toEqual(put);
  });

  it("creates, lists, reads, patches, rotates, reports on and deletes a connection", async ({
    org,
    server,
  }) => {
    // Arrange
    const cv = createConnvaultClient({ baseUrl: server.url, apiKey: org.adminKey });

    // Act
    const created = await cv.POST("/v1/connectors/{connector_id}/connections", stripe("Production Stripe"));
    const path = { params: { path: { id: created.id } } };
    const listed = await cv.GET("/v1/connections", { params: { query: { connector_id: "stripe" } } });
    const read = await cv.withResponse.GET("/v1/connections/{id}", path);
    const patched = await cv.PATCH("/v1/connections/{id}", {
      ...path,
      headers: { "If-Match": read.response.headers.get("etag") ?? "" },
      body: { name: "Renamed", metadata: { team: "billing" } },
    });
    const rotated = await cv.PUT("/v1/connections/{id}/credentials", {
      ...path,
      body: { security: { authMethod: "bearer", token: "sk_test_rotated" } },
    });
    const reported = await cv.POST("/v1/connections/{id}/health", {
      ...path,
      body: { healthy: false, reason: "401 from Stripe" },
    });
    const deleted = await cv.DELETE("/v1/connections/{id}", {
      params: { ...path.params, query: { force: "true" } },
    });
    const gone = await cv.GET("/v1/connections/{id}", path).catch((error: unknown) => error);

    // Assess
    expect(created).toMatchObject({ object: "connection", connector_id: "stripe", status: "active" });
    expect(JSON.stringify(created)).not.toContain("sk_test_client");
    expect(listed.data.map((c: Connection) => c.id)).toEqual([created.id]);
    expect(read.data.id).toBe(created.id);
    expect(patched).toMatchObject({ name: "Renamed", metadata: { team: "billing" } });
    expect(rotated.credentials?.version).toBe((created.credentials?.version ?? 0) + 1);
    expect(reported).toMatchObject({ status: "unhealthy" });
    expect(reported.last_unhealthy_at).not.toBeNull();
    expect(deleted).toBeUndefined();
    expect(gone).toMatchObject({ status: 404, code: "connection_not_found" });
  });

  it("gives a fresh connector_page_url to authorize an OAuth2 connection", async ({ h, org, server }) => {
    // Arrange
    const id = `oauth-${Math.random().toString(36).slice(2, 8)}`;
    await createConnvaultClient({ baseUrl: server.url, apiKey: h.rootApiKey }).PUT(
      "/v1/connectors/{connector_id}",
      {
        params: { path: { connector_id: id } },
        body: {
          name: "OAuth2 test",
          description: "An OAuth2 provider that is never called",
          auth_type: "oauth2",
          versions: [
            { version: "v1", servers: [{ url: "http://127.0.0.1:9" }], security_schema: { type: "oauth2" } },
          ],
          oauth2: {
            authorization_url: "http://127.0.0.1:9/authorize",
            token_url: "http://127.0.0.1:9/token",
            scopes: ["read"],
            pkce: true,
            client_id: "client",
            client_secret: "secret",
          },
        },
      },
    );
    const cv = createConnvaultClient({ baseUrl: server.url, apiKey: org.adminKey });
    const pending = await cv.POST("/v1/connectors/{connector_id}/connections", {
      params: { path: { connector_id: id } },
      body: { name: "Pending" },
    });

    // Act
    const authorized = await cv.POST("/v1/connections/{id}/authorize", {
      params: { path: { id: pending.id } },
    });

    // Assess
    expect(pending).toMatchObject({ status: "pending_authorization", oauth2_required: true });
    expect(authorized.connector_page_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(authorized.connector_page_url).not.toBe(pending.connector_page_url);
  });

  it("opens, reads and revokes a connect session", async ({ org, server }) => {
    // Arrange
    const cv = createConnvaultClient({ baseUrl: server.url, apiKey: org.adminKey });

    // Act
    const issued = await cv.POST("/v1/connect-sessions", {
      body: { owner: "end_user_1", allowed_connectors: ["stripe"] },
    });
    const path = { params: { path: { id: issued.id } } };
    const read = await cv.GET("/v1/connect-sessions/{id}", path);
    await cv.DELETE("/v1/connect-sessions/{id}", path);
    const revoked = await cv.GET("/v1/connect-sessions/{id}", path);

    // Assess
    expect(issued.connect_url).toContain("/connect/");
    expect(read).toMatchObject({ owner: "end_user_1", allowed_connectors: ["stripe"], status: "open" });
    expect(revoked.status).toBe("revoked");
  });

  it("creates, lists, reads, patches, puts and deletes unified.to connections", async ({ org, server }) => {
    // Arrange
    const cv = createConnvaultClient({ baseUrl: server.url, apiKey: org.adminKey });

    // Act
    const created = await cv.POST("/unified/connection", {
      body: {
        integration_type: "stripe",
        permissions: [],
        categories: ["payment"],
        external_xref: "acme",
        auth: { token: "sk_test_unified" },
      },
    });
    const path = { params: { path: { id: created.id ?? "" } } };
    const listed = await cv.GET("/unified/connection", { params: { query: { external_xref: "acme" } } });
    const read = await cv.GET("/unified/connection/{id}", path);
    const patched = await cv.PATCH("/unified/connection/{id}", { ...path, body: { is_paused: true } });
    const put = await cv.PUT("/unified/connection/{id}", { ...path, body: { environment: "Sandbox" } });
    await cv.DELETE("/unified/connection/{id}", path);
    const gone = await cv.GET("/unified/connection/{id}", path).catch((error: unknown) => error);

    // Assess
    expect(listed.map((c) => c.id)).toEqual([created.id]);
    expect(read).toMatchObject({ integration_type: "stripe", external_xref: "acme" });
    expect(patched.is_paused).toBe(true);
    expect(put).toMatchObject({ environment: "Sandbox", is_paused: true });
    expect(gone).toMatchObject({ status: 404 });
  });

  it("calls through a connection with proxy(), and reads both audits", async ({ h, org, server }) => {
    // Arrange
    const upstream = await startLoopbackServer((req, res) => {
      res.writeHead(req.url?.startsWith("/fail") ? 500 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify({ url: req.url, authorization: req.headers.authorization }));
    });
    const cv = createConnvaultClient({ baseUrl: server.url, apiKey: org.adminKey });
    const { id } = await cv.POST("/v1/connectors/{connector_id}/connections", {
      ...stripe("Proxied"),
      body: { ...stripe("Proxied").body, target_system_servers: [{ url: upstream.url }] },
    });

    try {
      // Act
      const ok = await cv.proxy(id, "/v1/balance?expand=a", { headers: { accept: "application/json" } });
      const failing = await cv.proxy(id, "fail", { method: "POST", body: "{}" });
      const refused = await cv.proxy("conn_01NOPE", "v1/balance").catch((error: unknown) => error);
      const calls = await cv.GET("/v1/proxy-calls", { params: { query: { connection_id: id } } });
      await createResolverHandler(h.services)({
        organization_id: org.id,
        user_id: org.adminUserId,
        connection_id: id,
        purpose: "client test",
      });
      const reads = await cv.GET("/v1/credential-reads", { params: { query: { connection_id: id } } });

      // Assess
      expect(ok.status, await ok.clone().text()).toBe(200);
      expect(ok.headers.get("x-connvault-proxy")).toBe("upstream");
      expect(await ok.json()).toEqual({ url: "/v1/balance?expand=a", authorization: "Bearer [REDACTED]" });
      expect(upstream.requests[0]?.headers.authorization).toBe("Bearer sk_test_client");
      expect(failing.status).toBe(500);
      expect(refused).toBeInstanceOf(ConnvaultError);
      expect(refused).toMatchObject({ status: 404 });
      expect(calls.data.map((c) => [c.method, c.path, c.status])).toEqual(
        expect.arrayContaining([
          ["GET", "/v1/balance", 200],
          ["POST", "/fail", 500],
        ]),
      );
      expect(reads.data).toEqual([expect.objectContaining({ connection_id: id, purpose: "client test" })]);
    } finally {
      await upstream.close();
    }
  });

  it("creates a connection through the /connect alias too", async ({ org, server }) => {
    // Arrange
    const cv = createConnvaultClient({ baseUrl: server.url, apiKey: org.adminKey });

    // Act
    const created = await cv.POST("/v1/connectors/{connector_id}/connect", stripe("Via the alias"));

    // Assess
    expect(created).toMatchObject({ name: "Via the alias", connector_id: "stripe", status: "active" });
  });

  // Last in the file: the tests above ran first, in order.
  it("has sent every operation of the OpenAPI document", async ({ h }) => {
    // Arrange
    const doc = (await (await h.request("GET", "/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({
        name: `${method.toUpperCase()} ${path}`,
        pattern: new RegExp(`^${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, "[^/]+")}$`),
      })),
    );

    // Act
    const missing = operations.filter(({ pattern }) => !sent.some((line) => pattern.test(line)));

    // Assess
    expect(operations.length).toBeGreaterThan(25);
    expect(missing.map((o) => o.name)).toEqual([]);
  });
});
