import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectStatus, type Harness, startHarness } from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const protectedRoutes: [string, string, unknown?][] = [
  ["POST", "/v1/organizations", { name: "x" }],
  ["POST", "/v1/api-keys", { user_id: "u", role: "member" }],
  ["GET", "/v1/api-keys"],
  ["DELETE", "/v1/api-keys/key_x"],
  ["GET", "/v1/me"],
  ["GET", "/v1/connectors"],
  ["GET", "/v1/connectors/stripe"],
  ["POST", "/v1/connectors/stripe/connections", { name: "x" }],
  ["POST", "/v1/connectors/stripe/connect", { name: "x" }],
  ["GET", "/v1/connections"],
  ["GET", "/v1/connections/conn_x"],
];

describe.each(protectedRoutes)("%s %s", (method, path, body) => {
  it.each([
    ["no key", {}],
    ["an unknown key", { authorization: "Bearer cvk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }],
    ["a malformed header", { authorization: "Basic dXNlcjpwYXNz" }],
    ["an empty X-API-Key", { "x-api-key": "" }],
  ])("answers 401 problem+json for %s", async (_case, headers) => {
    const res = await h.request(method, path, { headers, ...(body !== undefined ? { body } : {}) });
    await expectStatus(res, 401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
});
