import { request as httpRequest } from "node:http";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect } from "vitest";
import { dynamoClient } from "../helpers/aws.ts";
import { harnessTest } from "../helpers/fixtures.ts";
import { expectStatus, type Harness, json, type TestOrganization } from "../helpers/harness.ts";
import { type LoopbackServer, startLoopbackServer } from "../helpers/loopback-server.ts";

/** What the echoing upstream answers: the request it received, headers included (as some real APIs do). */
type Echo = { method: string; url: string; headers: Record<string, string>; body: string };

const echoing = () =>
  startLoopbackServer((req, res, body) => {
    res.writeHead(200, {
      "content-type": "application/json",
      "x-echo-authorization": req.headers.authorization ?? "",
    });
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
  });

/** `it` with an echoing upstream a test, over a harness built with `env`. */
const withUpstream = (env: Record<string, string> = {}) =>
  harnessTest({ env }).extend<{ upstream: LoopbackServer }>({
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern.
    upstream: async ({}, use) => {
      const server = await echoing();
      await use(server);
      await server.close();
    },
  });

const it = withUpstream();
/** A harness on which the proxy may call no non-public network (as on AWS). */
const refusing = withUpstream({ CONNVAULT_PROXY_ALLOWED_NETWORKS: "" });
/** A harness whose proxied calls time out after 1 s. */
const slow = withUpstream({ CONNVAULT_PROXY_TIMEOUT_SECONDS: "1" });

/** A connector of the given auth type whose only server is `url`. */
async function putConnector(
  h: Harness,
  url: string,
  authType: string,
  scheme: Record<string, unknown> | null,
) {
  const id = `px-${Math.random().toString(36).slice(2, 10)}`;
  const res = await h.request("PUT", `/v1/connectors/${id}`, {
    key: h.rootApiKey,
    body: {
      name: "Proxy test",
      description: "An echoing upstream",
      auth_type: authType,
      versions: [{ version: "v1", servers: [{ url: `${url}/base` }], security_schema: scheme }],
    },
  });
  await expectStatus(res, 200);
  return id;
}

async function connect(h: Harness, org: TestOrganization, connector: string, body: Record<string, unknown>) {
  const res = await h.request("POST", `/v1/connectors/${connector}/connections`, {
    key: org.adminKey,
    body: { name: "through", ...body },
  });
  await expectStatus(res, 201);
  return (await json<{ id: string }>(res)).id;
}

const proxy = (
  h: Harness,
  key: string,
  id: string,
  rest: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
) =>
  h.request(init.method ?? "GET", `/v1/connections/${id}/proxy/${rest}`, {
    key,
    ...(init.headers ? { headers: init.headers } : {}),
    ...(init.body !== undefined ? { body: init.body } : {}),
  });

describe("calls through a connection", () => {
  it("injects a bearer token, passes method, path, query, headers and body, and redacts the echo", async ({
    h,
    org,
    upstream,
  }) => {
    // Arrange
    const connector = await putConnector(h, upstream.url, "bearer", { type: "http", scheme: "bearer" });
    const id = await connect(h, org, connector, {
      security: { authMethod: "bearer", token: "tok_canary_7Hq" },
    });

    // Act
    const res = await proxy(h, org.adminKey, id, "items/42?expand=a&expand=b", {
      method: "POST",
      headers: { "x-custom": "kept", cookie: "session=mine", "content-type": "text/plain" },
      body: "hello upstream",
    });

    // Assert
    await expectStatus(res, 200);
    expect(res.headers.get("x-connvault-proxy")).toBe("upstream");
    const text = await res.text();
    expect(text).not.toContain("tok_canary_7Hq");
    expect(res.headers.get("x-echo-authorization")).toBe("Bearer [REDACTED]");
    const echo = JSON.parse(text) as Echo;
    expect(echo).toMatchObject({
      method: "POST",
      url: "/base/items/42?expand=a&expand=b",
      body: "hello upstream",
    });
    expect(echo.headers.authorization).toBe("Bearer [REDACTED]");
    expect(echo.headers["x-custom"]).toBe("kept");
    expect(echo.headers.cookie).toBeUndefined();
    const sent = upstream.requests[0];
    expect(sent?.headers.authorization).toBe("Bearer tok_canary_7Hq");
    expect(sent?.headers["x-api-key"]).toBeUndefined();
  });

  it("puts an API key where the connector's scheme says, or in the connection's header", async ({
    h,
    org,
    upstream,
  }) => {
    const inQuery = await putConnector(h, upstream.url, "api_key", {
      type: "apiKey",
      in: "query",
      name: "api_key",
    });
    const byScheme = await connect(h, org, inQuery, {
      security: { authMethod: "apiKey", apiKey: "key_in_query_1" },
    });
    const inHeader = await putConnector(h, upstream.url, "api_key", {
      type: "apiKey",
      in: "header",
      name: "X-Token",
    });
    const byHeader = await connect(h, org, inHeader, {
      security: { authMethod: "apiKey", apiKey: "key_in_header_2", headerName: "X-Special" },
    });

    const queried = await proxy(h, org.adminKey, byScheme, "q?api_key=callers");
    const headed = await proxy(h, org.adminKey, byHeader, "h");

    await expectStatus(queried, 200);
    await expectStatus(headed, 200);
    expect(upstream.requests[0]?.url).toBe("/base/q?api_key=key_in_query_1");
    expect(upstream.requests[1]?.headers["x-special"]).toBe("key_in_header_2");
    expect(upstream.requests[1]?.headers["x-token"]).toBeUndefined();
    for (const res of [queried, headed]) {
      const text = await res.text();
      expect(text).not.toMatch(/key_in_(query_1|header_2)/);
    }
  });

  it("sends basic credentials and redacts their encoding", async ({ h, org, upstream }) => {
    const connector = await putConnector(h, upstream.url, "basic", { type: "http", scheme: "basic" });
    const id = await connect(h, org, connector, {
      security: { authMethod: "basic", username: "ann", password: "pw_canary_9x" },
    });

    const res = await proxy(h, org.adminKey, id, "who");

    await expectStatus(res, 200);
    expect(upstream.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("ann:pw_canary_9x").toString("base64")}`,
    );
    const text = await res.text();
    expect(text).not.toContain(Buffer.from("ann:pw_canary_9x").toString("base64"));
    expect(text).not.toContain("pw_canary_9x");
  });

  it("applies general params by `in`, the connection's headers and target_system_servers", async ({
    h,
    org,
    upstream,
  }) => {
    const other = await echoing();
    try {
      const connector = await putConnector(h, upstream.url, "bearer", null);
      const id = await connect(h, org, connector, {
        security: { authMethod: "bearer", token: "tok_params_3" },
        general_params: [
          { name: "workspace", value: "ws 1", in: "path" },
          { name: "region", value: "eu", in: "query" },
          { name: "X-Tenant", value: "acme", in: "header" },
        ],
        headers: { "X-Secret-Header": "hdr_canary_4" },
        target_system_servers: [{ url: `${other.url}/override` }],
      });

      const res = await proxy(h, org.adminKey, id, "w/{workspace}/x?region=us", {
        headers: { "x-tenant": "callers", "x-secret-header": "callers" },
      });

      await expectStatus(res, 200);
      expect(upstream.requests).toHaveLength(0);
      const sent = other.requests[0];
      expect(sent?.url).toBe("/override/w/ws%201/x?region=eu");
      expect(sent?.headers["x-tenant"]).toBe("acme");
      expect(sent?.headers["x-secret-header"]).toBe("hdr_canary_4");
      expect(await res.text()).not.toContain("hdr_canary_4");
    } finally {
      await other.close();
    }
  });

  it("answers 404 for a connection the caller cannot see, 409 when paused or without credentials", async ({
    h,
    org,
    upstream,
  }) => {
    const connector = await putConnector(h, upstream.url, "bearer", null);
    const member = await org.member();
    const mine = await connect(h, org, connector, { security: { authMethod: "bearer", token: "tok_x" } });
    const empty = await connect(h, org, connector, {});

    const invisible = await proxy(h, member.key, mine, "x");
    const missing = await proxy(h, org.adminKey, empty, "x");
    await expectStatus(
      h.request("PATCH", `/v1/connections/${mine}`, { key: org.adminKey, body: { is_paused: true } }),
      200,
    );
    const paused = await proxy(h, org.adminKey, mine, "x");

    await expectStatus(invisible, 404);
    await expectStatus(missing, 409);
    expect((await json(missing)).code).toBe("credentials_missing");
    await expectStatus(paused, 409);
    expect((await json(paused)).code).toBe("connection_paused");
    expect(paused.headers.get("x-connvault-proxy")).toBe("error");
    expect(upstream.requests).toHaveLength(0);
  });

  it("returns a redirect instead of following it", async ({ h, org }) => {
    const redirecting = await startLoopbackServer((_req, res) => {
      res.writeHead(302, { location: "http://127.0.0.1:1/elsewhere" });
      res.end();
    });
    try {
      const connector = await putConnector(h, redirecting.url, "bearer", null);
      const id = await connect(h, org, connector, { security: { authMethod: "bearer", token: "tok_r" } });

      const res = await proxy(h, org.adminKey, id, "go");

      await expectStatus(res, 302);
      expect(res.headers.get("location")).toBe("http://127.0.0.1:1/elsewhere");
      expect(redirecting.requests).toHaveLength(1);
    } finally {
      await redirecting.close();
    }
  });

  it("refuses a request body over 4 MiB with 413", async ({ h, org, upstream }) => {
    const connector = await putConnector(h, upstream.url, "bearer", null);
    const id = await connect(h, org, connector, { security: { authMethod: "bearer", token: "tok_big" } });

    const res = await proxy(h, org.adminKey, id, "upload", {
      method: "PUT",
      body: "x".repeat(4 * 2 ** 20 + 1),
    });

    await expectStatus(res, 413);
    expect(upstream.requests).toHaveLength(0);
  });

  it("audits every call for admins, without query values, and stores no credential", async ({
    h,
    org,
    upstream,
  }) => {
    const connector = await putConnector(h, upstream.url, "bearer", null);
    const id = await connect(h, org, connector, {
      security: { authMethod: "bearer", token: "tok_audit_canary" },
    });
    await expectStatus(proxy(h, org.adminKey, id, "a/b?secret_query=qv_canary"), 200);

    const listed = await h.request("GET", `/v1/proxy-calls?connection_id=${id}`, { key: org.adminKey });

    await expectStatus(listed, 200);
    const page = await json<{ data: Record<string, unknown>[] }>(listed);
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({ connection_id: id, method: "GET", path: "/base/a/b", status: 200 });
    expect(JSON.stringify(page)).not.toContain("qv_canary");
    const member = await org.member();
    await expectStatus(h.request("GET", "/v1/proxy-calls", { key: member.key }), 403);
    const { Items } = await dynamoClient(h.edge.url).send(new ScanCommand({ TableName: "connvault-test" }));
    expect(JSON.stringify(Items)).not.toMatch(/tok_audit_canary|qv_canary/);
  });
});

describe("destinations the proxy may not call", () => {
  refusing(
    "answers 403 destination_not_allowed for loopback when loopback is not allowed, before connecting",
    async ({ h, org, upstream }) => {
      const connector = await putConnector(h, upstream.url, "bearer", null);
      const id = await connect(h, org, connector, {
        security: { authMethod: "bearer", token: "tok_refused" },
      });

      const res = await proxy(h, org.adminKey, id, "x");

      await expectStatus(res, 403);
      expect((await json(res)).code).toBe("destination_not_allowed");
      expect(upstream.requests).toHaveLength(0);
    },
  );
});

describe("an upstream that does not answer", () => {
  slow("answers 504 upstream_timeout", async ({ h, org }) => {
    const silent = await startLoopbackServer(() => {});
    try {
      const connector = await putConnector(h, silent.url, "bearer", null);
      const id = await connect(h, org, connector, { security: { authMethod: "bearer", token: "tok_slow" } });

      const res = await proxy(h, org.adminKey, id, "wait");

      await expectStatus(res, 504);
      expect((await json(res)).code).toBe("upstream_timeout");
    } finally {
      await silent.close();
    }
  });
});

describe("methods the proxy does not relay", () => {
  it("answers 405 to TRACE without calling the upstream", async ({ h, org, upstream }) => {
    const connector = await putConnector(h, upstream.url, "bearer", null);
    const id = await connect(h, org, connector, { security: { authMethod: "bearer", token: "tok_trace" } });
    const server = await h.listen();
    try {
      const res = await new Promise<{ status: number; allow: string | undefined }>((resolve, reject) => {
        const req = httpRequest(`${server.url}/v1/connections/${id}/proxy/x`, {
          method: "TRACE",
          headers: { authorization: `Bearer ${org.adminKey}` },
        });
        req.once("error", reject);
        req.once("response", (response) => {
          response.resume();
          resolve({ status: response.statusCode ?? 0, allow: response.headers.allow });
        });
        req.end();
      });
      expect(res.status).toBe(405);
      expect(res.allow).toBe("DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
      expect(upstream.requests).toHaveLength(0);
    } finally {
      await server.close();
    }
  });
});
