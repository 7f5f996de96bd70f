import type { IncomingMessage, ServerResponse } from "node:http";
import { ConnvaultError, createConnvaultClient } from "@connvault/client";
import { describe, expect, it as plainIt } from "vitest";
import { harnessTest } from "../helpers/fixtures.ts";
import { startLoopbackServer } from "../helpers/loopback-server.ts";

/** What only the hand-written layer does: retries, Idempotency-Keys, pages, problems, the proxy's errors. */
const it = harnessTest();

const problem = (res: ServerResponse, status: number, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/problem+json", ...headers });
  res.end(
    JSON.stringify({
      type: "urn:connvault:problem:x",
      title: "T",
      status,
      detail: "d",
      code: "x",
      request_id: "r",
    }),
  );
};

/** A server on 127.0.0.1 that answers with `answers[n]` the nth request, then 200 `{status: "ok"}`. */
const scripted = (answers: ((res: ServerResponse) => void)[]) =>
  startLoopbackServer((_req: IncomingMessage, res: ServerResponse) => {
    const answer = answers.shift();
    if (answer) return answer(res);
    res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
  });

describe("retries", () => {
  plainIt("waits as Retry-After says, in seconds or as an HTTP date, on 503 and 429", async () => {
    // Arrange
    const server = await scripted([
      (res) => problem(res, 503, { "retry-after": "1" }),
      (res) => problem(res, 429, { "retry-after": new Date(Date.now() + 2000).toUTCString() }),
    ]);
    const delays: number[] = [];
    const cv = createConnvaultClient({
      baseUrl: server.url,
      retry: { onRetry: (r) => delays.push(r.delayMs) },
    });

    // Act
    const started = Date.now();
    const health = await cv.GET("/v1/health");
    const elapsed = Date.now() - started;
    await server.close();

    // Assess
    expect(health).toEqual({ status: "ok" });
    expect(server.requests).toHaveLength(3);
    expect(delays[0]).toBeGreaterThanOrEqual(1000);
    expect(delays[0]).toBeLessThanOrEqual(1100);
    // An HTTP date has whole seconds: between 1 and 2 s ahead when it was written.
    expect(delays[1]).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeGreaterThanOrEqual(1900);
  });

  plainIt("gives up after maxRetries and throws the last answer's problem", async () => {
    // Arrange
    const server = await scripted(
      Array.from({ length: 10 }, () => (res) => problem(res, 503, { "retry-after": "0" })),
    );
    const cv = createConnvaultClient({ baseUrl: server.url, retry: { maxRetries: 2 } });

    // Act
    const error = await cv.GET("/v1/health").catch((e: unknown) => e);
    await server.close();

    // Assess
    expect(error).toBeInstanceOf(ConnvaultError);
    expect(error).toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(3);
  });

  plainIt("does not retry other statuses, nor a POST sent without an Idempotency-Key", async () => {
    // Arrange
    const server = await scripted([
      (res) => problem(res, 500),
      (res) => problem(res, 503, { "retry-after": "0" }),
    ]);
    const cv = createConnvaultClient({ baseUrl: server.url, apiKey: "cvk_test" });

    // Act
    const internal = await cv.GET("/v1/health").catch((e: unknown) => e);
    const unkeyed = await cv
      .POST("/v1/organizations", { body: { name: "x" }, idempotencyKey: false })
      .catch((e: unknown) => e);
    await server.close();

    // Assess
    expect(internal).toMatchObject({ status: 500 });
    expect(unkeyed).toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.headers["idempotency-key"]).toBeUndefined();
    expect(server.requests[1]?.headers.authorization).toBe("Bearer cvk_test");
  });

  it("converges a POST whose response was lost on one connection, with one Idempotency-Key", async ({
    org,
    server,
  }) => {
    // Arrange: the first POST reaches connvault, but its answer is replaced by a 503.
    let lost = false;
    const lossy = await startLoopbackServer(async (req, res, body) => {
      const answer = await fetch(`${server.url}${req.url}`, {
        method: req.method ?? "GET",
        headers: Object.entries(req.headers).flatMap(([k, v]) =>
          typeof v === "string" && k !== "host" ? [[k, v]] : [],
        ),
        ...(body ? { body } : {}),
      });
      const text = await answer.text();
      if (req.method === "POST" && !lost) {
        lost = true;
        return problem(res, 503, { "retry-after": "0" });
      }
      res.writeHead(answer.status, {
        "content-type": answer.headers.get("content-type") ?? "",
        "idempotent-replayed": answer.headers.get("idempotent-replayed") ?? "false",
      });
      res.end(text);
    });
    const cv = createConnvaultClient({ baseUrl: lossy.url, apiKey: org.adminKey });

    // Act
    const created = await cv.withResponse.POST("/v1/connectors/{connector_id}/connections", {
      params: { path: { connector_id: "open-meteo" } },
      body: { name: "Weather" },
    });
    const listed = await cv.GET("/v1/connections", { params: { query: { connector_id: "open-meteo" } } });
    await lossy.close();

    // Assess
    const keys = lossy.requests.filter((r) => r.method === "POST").map((r) => r.headers["idempotency-key"]);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(created.response.headers.get("idempotent-replayed")).toBe("true");
    expect(listed.data.map((c) => c.id)).toEqual([created.data.id]);
  });

  it("sends the caller's own Idempotency-Key, so a second call replays", async ({ org, server }) => {
    // Arrange
    const cv = createConnvaultClient({ baseUrl: server.url, apiKey: org.adminKey });
    const create = () =>
      cv.withResponse.POST("/v1/connectors/{connector_id}/connections", {
        params: { path: { connector_id: "open-meteo" } },
        body: { name: "Weather" },
        idempotencyKey: "client-own-key",
      });

    // Act
    const first = await create();
    const second = await create();

    // Assess
    expect(second.data.id).toBe(first.data.id);
    expect(second.response.headers.get("idempotent-replayed")).toBe("true");
  });
});

describe("paginate()", () => {
  it("yields every connection across cursor pages", async ({ org, server }) => {
    // Arrange
    const urls: string[] = [];
    const cv = createConnvaultClient({
      baseUrl: server.url,
      apiKey: org.adminKey,
      fetch: (request) => {
        urls.push(request.url);
        return fetch(request);
      },
    });
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++)
      ids.add(
        (
          await cv.POST("/v1/connectors/{connector_id}/connections", {
            params: { path: { connector_id: "open-meteo" } },
            body: { name: `Weather ${i}` },
          })
        ).id,
      );
    urls.length = 0;

    // Act
    const seen: string[] = [];
    for await (const connection of cv.paginate("/v1/connections", { params: { query: { limit: 2 } } }))
      seen.push(connection.id);

    // Assess
    expect(new Set(seen)).toEqual(ids);
    expect(seen).toHaveLength(5);
    expect(urls).toHaveLength(3);
    expect(urls.slice(1).every((u) => new URL(u).searchParams.has("cursor"))).toBe(true);
  });

  it("yields every unified.to connection across offset pages", async ({ org, server }) => {
    // Arrange
    const cv = createConnvaultClient({ baseUrl: server.url, apiKey: org.adminKey });
    for (let i = 0; i < 3; i++)
      await cv.POST("/unified/connection", {
        body: { integration_type: "open-meteo", permissions: [], categories: [], external_xref: `x${i}` },
      });

    // Act
    const seen: string[] = [];
    for await (const c of cv.paginate("/unified/connection", {
      params: { query: { limit: 2, sort: "name" } },
    }))
      seen.push(c.external_xref ?? "");

    // Assess
    expect(seen.sort()).toEqual(["x0", "x1", "x2"]);
  });
});

describe("paginate() without a limit", () => {
  it("reads unified.to pages of the server's default size (100) until one is empty", async ({
    org,
    server,
  }) => {
    // Arrange
    const cv = createConnvaultClient({ baseUrl: server.url, apiKey: org.adminKey });
    for (let i = 0; i < 101; i++)
      await cv.POST("/unified/connection", {
        body: { integration_type: "open-meteo", permissions: [], categories: [], external_xref: `d${i}` },
      });

    // Act
    let count = 0;
    for await (const _ of cv.paginate("/unified/connection")) count++;

    // Assess
    expect(count).toBe(101);
  });
});

describe("ConnvaultError", () => {
  it("carries the problem's fields", async ({ org, server }) => {
    // Arrange
    const cv = createConnvaultClient({ baseUrl: server.url, apiKey: org.adminKey });

    // Act
    const error = await cv
      .POST("/v1/connectors/{connector_id}/connections", {
        params: { path: { connector_id: "stripe" } },
        body: { name: "" },
      })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(ConnvaultError);
    const problem = error as ConnvaultError;
    expect(problem).toMatchObject({
      name: "ConnvaultError",
      status: 422,
      code: "validation_failed",
      type: "urn:connvault:problem:validation_failed",
      title: "Unprocessable Content",
    });
    expect(problem.detail).not.toBe("");
    expect(problem.requestId).toEqual(expect.any(String));
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: "name" })]));
    expect(problem.message).toContain("validation_failed");
  });

  it("is thrown by proxy() for connvault's own refusal, with X-Connvault-Proxy: error", async ({
    org,
    server,
  }) => {
    // Arrange
    const cv = createConnvaultClient({ baseUrl: server.url, apiKey: org.adminKey });
    const { id } = await cv.POST("/v1/connectors/{connector_id}/connections", {
      params: { path: { connector_id: "open-meteo" } },
      body: { name: "Paused" },
    });
    await cv.PATCH("/v1/connections/{id}", { params: { path: { id } }, body: { is_paused: true } });

    // Act
    const error = await cv.proxy(id, "v1/forecast").catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ConnvaultError);
    expect(error).toMatchObject({ status: 409, code: "connection_paused" });
    expect((error as ConnvaultError).headers.get("x-connvault-proxy")).toBe("error");
  });
});
