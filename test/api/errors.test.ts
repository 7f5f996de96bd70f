import { describe, expect } from "vitest";
import { it as harnessIt } from "../helpers/fixtures.ts";
import { expectStatus, json } from "../helpers/harness.ts";

/** `post`: a raw request creating a connection in the test's organization, with this body and headers. */
const it = harnessIt.extend<{ post: (body: string, headers: Record<string, string>) => Promise<Response> }>({
  post: async ({ h, org }, use) =>
    use(async (body, headers) =>
      h.app.request("/v1/connectors/stripe/connections", {
        method: "POST",
        headers: { authorization: `Bearer ${org.adminKey}`, ...headers },
        body,
      }),
    ),
});

async function expectProblem(res: Response, status: number, code: string) {
  await expectStatus(res, status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(await json(res)).toMatchObject({
    type: `urn:connvault:problem:${code}`,
    title: expect.any(String),
    status,
    code,
    detail: expect.any(String),
    request_id: res.headers.get("x-request-id"),
  });
}

describe("problem+json errors", () => {
  it("answers 400 for malformed JSON", async ({ post }) => {
    await expectProblem(
      await post('{"name": ', { "content-type": "application/json" }),
      400,
      "malformed_json",
    );
  });

  it("answers 415 for a body that is not JSON", async ({ post }) => {
    await expectProblem(
      await post("name=x", { "content-type": "application/x-www-form-urlencoded" }),
      415,
      "unsupported_media_type",
    );
    await expectProblem(await post('{"name":"x"}', {}), 415, "unsupported_media_type");
  });

  it("answers 413 for a body over 256 KiB", async ({ post }) => {
    const body = JSON.stringify({ name: "x", metadata: { a: "y".repeat(300 * 1024) } });
    await expectProblem(await post(body, { "content-type": "application/json" }), 413, "payload_too_large");
  });

  it("answers 422 for a JSON body that is not an object", async ({ post }) => {
    await expectProblem(
      await post("[1,2]", { "content-type": "application/json" }),
      422,
      "validation_failed",
    );
    await expectProblem(await post("null", { "content-type": "application/json" }), 422, "validation_failed");
  });

  it("answers 404 for an unknown route", async ({ h, org }) => {
    await expectProblem(
      await h.request("GET", "/v1/nothing-here", { key: org.adminKey }),
      404,
      "route_not_found",
    );
  });

  it("accepts a JSON content type with parameters", async ({ post }) => {
    const res = await post(JSON.stringify({ name: "x", security: { authMethod: "bearer", token: "t" } }), {
      "content-type": "application/json; charset=utf-8",
    });
    await expectStatus(res, 201);
  });
});
