import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InjectedThrottling, injectFault } from "../helpers/faults.ts";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
let limited: Harness;
beforeAll(async () => {
  h = await startHarness();
  limited = await startHarness({ env: { CONNVAULT_RATE_LIMIT_PER_SECOND: "5" } });
});
afterAll(async () => {
  await h.close();
  await limited.close();
});

const stripe = { name: "s", security: { authMethod: "bearer", token: "sk" } };

describe("AWS failures", () => {
  it("answer 429 with Retry-After when AWS throttles, and nothing is left behind", async () => {
    const org = await createOrganization(h);
    const fault = injectFault(h.services.clients.secrets, {
      command: "CreateSecretCommand",
      when: "before",
      error: () => new InjectedThrottling(),
    });
    try {
      const res = await h.request("POST", "/v1/connectors/stripe/connections", {
        key: org.adminKey,
        body: stripe,
      });
      await expectStatus(res, 429);
      expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
      expect((await json(res)).code).toBe("throttled");
    } finally {
      fault.remove();
    }
    const listed = await json<{ data: unknown[] }>(
      await h.request("GET", "/v1/connections", { key: org.adminKey }),
    );
    expect(listed.data).toEqual([]);
  });

  it("answer 503 when AWS times out or is unreachable", async () => {
    const org = await createOrganization(h);
    const timeout = Object.assign(new Error("Connection timed out after 3000 ms"), { name: "TimeoutError" });
    const fault = injectFault(h.services.clients.dynamo, {
      command: "GetItemCommand",
      when: "before",
      error: () => timeout,
    });
    try {
      const res = await h.request("GET", "/v1/connections/conn_x", { key: org.adminKey });
      await expectStatus(res, 503);
      expect((await json(res)).code).toBe("dependency_unavailable");
    } finally {
      fault.remove();
    }
  });

  it("are bounded: 3 attempts of at most 3 s each per AWS call", async () => {
    const config = await h.services.clients.dynamo.config.maxAttempts();
    expect(config).toBe(3);
  });
});

describe("per-key rate limit", () => {
  it("answers 429 with Retry-After past the key's burst, without touching other keys", async () => {
    const org = await createOrganization(limited);
    const other = await org.member();
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++)
      statuses.push((await limited.request("GET", "/v1/me", { key: org.adminKey })).status);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(11);
    const res = await limited.request("GET", "/v1/me", { key: org.adminKey });
    await expectStatus(res, 429);
    expect(await json(res)).toMatchObject({ code: "rate_limited", status: 429 });
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    await expectStatus(limited.request("GET", "/v1/me", { key: other.key }), 200);
  });
});

describe("security headers", () => {
  it("lock API responses down and never let them be cached", async () => {
    const org = await createOrganization(h);
    for (const res of [
      await h.request("GET", "/v1/me", { key: org.adminKey }),
      await h.request("GET", "/v1/me"),
      await h.request("GET", "/openapi.json"),
      await h.request("GET", "/no-such-route"),
    ]) {
      expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("strict-transport-security")).toContain("max-age=");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    }
    expect((await h.request("GET", "/v1/me", { key: org.adminKey })).headers.get("cache-control")).toBe(
      "no-store",
    );
  });

  it("allow the docs page only its own scripts and styles", async () => {
    const page = await h.request("GET", "/docs");
    const policy = page.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("script-src 'self' 'unsafe-inline'");
    expect(policy).not.toContain("http");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
  });
});
