import { request as httpRequest } from "node:http";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect } from "vitest";
import { dynamoClient } from "../helpers/aws.ts";
import { harnessTest } from "../helpers/fixtures.ts";
import { expectStatus, json } from "../helpers/harness.ts";
import { type LoopbackServer, startLoopbackServer } from "../helpers/loopback-server.ts";
import { captureOutput } from "../helpers/output.ts";
import { connect, proxy, putConnector } from "../helpers/proxy.ts";

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
/** A harness that lets through 1 proxied call a second per connection (bursts of 2). */
const limited = withUpstream({ CONNVAULT_PROXY_RATE_LIMIT_PER_SECOND: "1" });
/** A harness whose proxied calls time out after 1 s. */
const slow = withUpstream({ CONNVAULT_PROXY_TIMEOUT_SECONDS: "1" });

describe("calls through a connection", () => {
  it("injects a bearer token, passes method, path, query, headers and body, and redacts the echo", async ({
    h,
    org,
    upstream,
  }) => {
    // Arrange
    const connector = await putConnector(h, `${upstream.url}/base`, "bearer", {
      type: "http",
      scheme: "bearer",
    });
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
    const inQuery = await putConnector(h, `${upstream.url}/base`, "api_key", {
      type: "apiKey",
      in: "query",
      name: "api_key",
    });
    const byScheme = await connect(h, org, inQuery, {
      security: { authMethod: "apiKey", apiKey: "key_in_query_1" },
    });
    const inHeader = await putConnector(h, `${upstream.url}/base`, "api_key", {
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
    const connector = await putConnector(h, `${upstream.url}/base`, "basic", {
      type: "http",
      scheme: "basic",
    });
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
      const connector = await putConnector(h, `${upstream.url}/base`, "bearer", null);
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
    const connector = await putConnector(h, `${upstream.url}/base`, "bearer", null);
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
      const connector = await putConnector(h, `${redirecting.url}/base`, "bearer", null);
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
    const connector = await putConnector(h, `${upstream.url}/base`, "bearer", null);
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
    const connector = await putConnector(h, `${upstream.url}/base`, "bearer", null);
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
      const connector = await putConnector(h, `${upstream.url}/base`, "bearer", null);
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
      const connector = await putConnector(h, `${silent.url}/base`, "bearer", null);
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
    const connector = await putConnector(h, `${upstream.url}/base`, "bearer", null);
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

describe("the proxy's metrics", () => {
  it("publishes calls, upstream latency and refusals as CloudWatch embedded metrics", async ({
    h,
    org,
    upstream,
  }) => {
    const connector = await putConnector(h, `${upstream.url}/base`, "bearer", null);
    const id = await connect(h, org, connector, { security: { authMethod: "bearer", token: "tok_metrics" } });
    const output = captureOutput();
    try {
      await expectStatus(proxy(h, org.adminKey, id, "ok"), 200);
      await expectStatus(proxy(h, org.adminKey, "conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A", "missing"), 404);
    } finally {
      output.restore();
    }

    const lines = output.written
      .flatMap((chunk) => chunk.split("\n"))
      .filter((line) => line.includes('"_aws"'))
      .map(
        (line) =>
          JSON.parse(line) as Record<string, unknown> & {
            _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] };
          },
      );
    const names = lines.map((line) => line._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name).sort());
    expect(names).toEqual([["ProxyCalls", "ProxyUpstreamLatency"], ["ProxyRefusals"]]);
    expect(lines[0]?._aws.CloudWatchMetrics[0]?.Namespace).toBe("connvault");
    expect(lines[1]?.refusal).toBe("connection_not_found");
    expect(output.written.join("")).not.toContain("tok_metrics");
  });
});

describe("credentials the proxy reads", () => {
  it("refreshes an OAuth2 token about to expire once for a burst of calls, and sends the fresh one", async ({
    h,
    org,
    upstream,
  }) => {
    // Arrange: a token endpoint on loopback that hands out one fresh token per request.
    let issued = 0;
    const provider = await startLoopbackServer((_req, res) => {
      issued += 1;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ access_token: `fresh_${issued}`, expires_in: 3600, token_type: "Bearer" }));
    });
    try {
      const connector = `px-oauth-${Math.random().toString(36).slice(2, 8)}`;
      await expectStatus(
        h.request("PUT", `/v1/connectors/${connector}`, {
          key: h.rootApiKey,
          body: {
            name: "OAuth upstream",
            description: "Refresh through the proxy",
            auth_type: "oauth2",
            versions: [{ version: "v1", servers: [{ url: `${upstream.url}/base` }], security_schema: null }],
            oauth2: {
              authorization_url: `${provider.url}/authorize`,
              token_url: `${provider.url}/token`,
              scopes: [],
              pkce: true,
              client_id: "cid",
              token_auth_method: "client_secret_post",
            },
          },
        }),
        200,
      );
      const expiresSoon = new Date(Date.now() + 60_000).toISOString();
      const id = await connect(h, org, connector, {
        security: {
          authMethod: "oauth2",
          oauth2Token: { access_token: "old_token", refresh_token: "rt_1", expires_at: expiresSoon },
        },
      });

      // Act: five calls at once.
      const answers = await Promise.all(Array.from({ length: 5 }, () => proxy(h, org.adminKey, id, "me")));

      // Assert
      for (const res of answers) await expectStatus(res, 200);
      expect(provider.requests).toHaveLength(1);
      expect(provider.requests[0]?.body).toContain("grant_type=refresh_token");
      expect(upstream.requests.map((r) => r.headers.authorization)).toEqual(Array(5).fill("Bearer fresh_1"));
    } finally {
      await provider.close();
    }
  });

  it("reads a connection's secret once while its record is unchanged, and again after a rotation", async ({
    h,
    org,
    upstream,
  }) => {
    const connector = await putConnector(h, `${upstream.url}/base`, "bearer", null);
    const id = await connect(h, org, connector, { security: { authMethod: "bearer", token: "tok_one" } });
    const reads = () => h.calls.filter((c) => c.command === "GetSecretValueCommand").length;
    const before = reads();

    await expectStatus(proxy(h, org.adminKey, id, "1"), 200);
    await expectStatus(proxy(h, org.adminKey, id, "2"), 200);
    const cached = reads() - before;
    await expectStatus(
      h.request("PUT", `/v1/connections/${id}/credentials`, {
        key: org.adminKey,
        body: { security: { authMethod: "bearer", token: "tok_two" } },
      }),
      200,
    );
    await expectStatus(proxy(h, org.adminKey, id, "3"), 200);

    expect(cached).toBe(1);
    expect(reads() - before).toBe(2);
    expect(upstream.requests.map((r) => r.headers.authorization)).toEqual([
      "Bearer tok_one",
      "Bearer tok_one",
      "Bearer tok_two",
    ]);
  });
});

describe("limits", () => {
  it("answers 502 upstream_response_too_large for an answer over 4 MiB", async ({ h, org }) => {
    const huge = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(Buffer.alloc(4 * 2 ** 20 + 1, 1));
    });
    try {
      const connector = await putConnector(h, `${huge.url}/base`, "bearer", null);
      const id = await connect(h, org, connector, { security: { authMethod: "bearer", token: "tok_huge" } });

      const res = await proxy(h, org.adminKey, id, "download");

      await expectStatus(res, 502);
      expect((await json(res)).code).toBe("upstream_response_too_large");
    } finally {
      await huge.close();
    }
  });

  limited("limits calls a second per connection with 429 and Retry-After", async ({ h, org, upstream }) => {
    const connector = await putConnector(h, `${upstream.url}/base`, "bearer", null);
    const first = await connect(h, org, connector, { security: { authMethod: "bearer", token: "tok_a" } });
    const second = await connect(h, org, connector, { security: { authMethod: "bearer", token: "tok_b" } });

    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await proxy(h, org.adminKey, first, "x")).status);
    const limitedRes = await proxy(h, org.adminKey, first, "x");
    const other = await proxy(h, org.adminKey, second, "x");

    expect(statuses).toEqual([200, 200, 429]);
    await expectStatus(limitedRes, 429);
    expect(limitedRes.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(limitedRes.headers.get("x-connvault-proxy")).toBe("error");
    await expectStatus(other, 200);
  });
});
