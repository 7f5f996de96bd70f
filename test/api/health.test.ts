import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe("GET /v1/health", () => {
  it("answers ok without an API key", async () => {
    const res = await h.request("GET", "/v1/health");
    await expectStatus(res, 200);
    expect(await json(res)).toEqual({ status: "ok" });
  });

  it("echoes a request id header", async () => {
    const res = await h.request("GET", "/v1/health");
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
  });
});
