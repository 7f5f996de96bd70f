import { request } from "node:http";
import { describe, expect } from "vitest";
import { it } from "../helpers/fixtures.ts";
import { expectStatus, json } from "../helpers/harness.ts";

/** TRACE over real HTTP: fetch refuses to send it, as browsers do, but any other client can. */
function trace(
  url: string,
  key?: string,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "TRACE",
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });
    req.once("error", reject);
    req.once("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.once("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body }),
      );
    });
    req.end();
  });
}

type Document = { paths: Record<string, Record<string, unknown>> };

/** A concrete path for an OpenAPI path template. */
const concrete = (template: string) =>
  template
    .replace("{connector_id}", "stripe")
    .replace("{id}", "conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A")
    .replace("{connection_id}", "conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A");

describe("a method a path does not have", () => {
  it("answers 405 with Allow listing exactly the documented methods, on every documented path", async ({
    h,
    org,
    server,
  }) => {
    // Prepare
    const doc = await json<Document>(await h.request("GET", "/openapi.json"));

    for (const [template, operations] of Object.entries(doc.paths)) {
      const documented = Object.keys(operations).map((method) => method.toUpperCase());
      const expected = [...documented, ...(documented.includes("GET") ? ["HEAD"] : [])].sort();

      // Act
      const res = await trace(`${server.url}${concrete(template)}`, org.adminKey);

      // Assess
      expect(res.status, `TRACE ${template}: ${res.body}`).toBe(405);
      expect(res.headers.allow, template).toBe(expected.join(", "));
      expect(res.headers["content-type"]).toBe("application/problem+json");
      expect(JSON.parse(res.body)).toMatchObject({ status: 405, code: "method_not_allowed" });
    }
  });

  it("answers 405 for a real method the path lacks, and 404 for a path that does not exist", async ({
    h,
    org,
  }) => {
    const put = await h.request("PUT", "/v1/connections/conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A", {
      key: org.adminKey,
      body: {},
    });
    await expectStatus(put, 405);
    expect(put.headers.get("allow")).toBe("DELETE, GET, HEAD, PATCH");

    const missing = await h.request("DELETE", "/v1/nothing-here", { key: org.adminKey });
    await expectStatus(missing, 404);
    expect(missing.headers.get("allow")).toBeNull();
  });

  it("still asks for a key first", async ({ server }) => {
    await expectStatus(trace(`${server.url}/v1/connectors`), 401);
  });
});
