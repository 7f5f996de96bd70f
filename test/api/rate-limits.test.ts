import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bodyText,
  createOrganization,
  type Harness,
  startHarness,
  type TestOrganization,
} from "../helpers/harness.ts";

let h: Harness;
let org: TestOrganization;
beforeAll(async () => {
  h = await startHarness({ env: { CONNVAULT_RATE_LIMIT_PER_SECOND: "5" } });
  org = await createOrganization(h);
});
afterAll(() => h.close());

/** A request as API Gateway hands it over: the Lambda adapter's env carries the caller's address. */
const from = (address: string, key?: string) =>
  h.app.request(
    "/v1/me",
    { headers: key ? { authorization: `Bearer ${key}` } : {} },
    { requestContext: { http: { sourceIp: address } } },
  );

describe("rate limits", () => {
  it("stop an address that keeps failing authentication before any key lookup, and no other address", async () => {
    // Prepare
    const unknown = `cvk_${"G".repeat(43)}`;
    const address = `198.51.100.${Math.floor(Math.random() * 250)}`;

    // Act: more failures than the burst of 20, at once.
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await from(address, unknown)).status);
    const lookups = h.calls.length;
    const limited = await from(address, unknown);
    const elsewhere = await from("203.0.113.7", unknown);

    // Assess
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(5).fill(429));
    expect(limited.status, await bodyText(limited)).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(h.calls.length).toBe(lookups); // the limited request read nothing
    expect(elsewhere.status, await bodyText(elsewhere)).toBe(401);
  });

  it("count the root key like any key", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++)
      statuses.push((await h.request("GET", "/v1/me", { key: h.rootApiKey })).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
  });

  it("leave an address whose keys authenticate to the per-key limit alone", async () => {
    const details: string[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await from("192.0.2.10", org.adminKey);
      if (res.status !== 200) details.push(((await res.json()) as { detail: string }).detail);
    }
    expect(details.length).toBeGreaterThan(0);
    expect(new Set(details)).toEqual(new Set(["This API key is limited to 5 requests per second"]));
  });
});
