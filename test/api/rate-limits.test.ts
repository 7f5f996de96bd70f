import { describe, expect } from "vitest";
import { harnessTest } from "../helpers/fixtures.ts";
import { expectStatus, type Harness } from "../helpers/harness.ts";

const it = harnessTest({ env: { CONNVAULT_RATE_LIMIT_PER_SECOND: "5" } });

/** A request as API Gateway hands it over: the Lambda adapter's env carries the caller's address. */
const from = (h: Harness, address: string, key?: string) =>
  h.app.request(
    "/v1/me",
    { headers: key ? { authorization: `Bearer ${key}` } : {} },
    { requestContext: { http: { sourceIp: address } } },
  );

describe("rate limits", () => {
  it("stop an address that keeps failing authentication before any key lookup, and no other address", async ({
    h,
  }) => {
    // Prepare
    const unknown = `cvk_${"G".repeat(43)}`;
    const address = `198.51.100.${Math.floor(Math.random() * 250)}`;

    // Act: more failures than the burst of 20, at once.
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await from(h, address, unknown)).status);
    const lookups = h.calls.length;
    const limited = await from(h, address, unknown);
    const elsewhere = await from(h, "203.0.113.7", unknown);

    // Assess
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(5).fill(429));
    await expectStatus(limited, 429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(h.calls.length).toBe(lookups); // the limited request read nothing
    await expectStatus(elsewhere, 401);
  });

  it("leave an address whose keys authenticate to the per-key limit alone", async ({ org, h }) => {
    const details: string[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await from(h, "192.0.2.10", org.adminKey);
      if (res.status !== 200) details.push(((await res.json()) as { detail: string }).detail);
    }
    expect(details.length).toBeGreaterThan(0);
    expect(new Set(details)).toEqual(new Set(["This API key is limited to 5 requests per second"]));
  });

  // Last: it spends the root key's burst, which creating an organization needs.
  it("count the root key like any key", async ({ h }) => {
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++)
      statuses.push((await h.request("GET", "/v1/me", { key: h.rootApiKey })).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
  });
});
