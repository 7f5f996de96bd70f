import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createOrganization,
  type Harness,
  json,
  startHarness,
  type TestOrganization,
} from "../helpers/harness.ts";

let h: Harness;
let org: TestOrganization;
let server: { url: string; close(): Promise<void> };
beforeAll(async () => {
  h = await startHarness();
  org = await createOrganization(h);
  server = await h.listen();
});
afterAll(async () => {
  await server.close();
  await h.close();
});

/** TRACE over real HTTP: fetch refuses to send it, as browsers do, but any other client can. */
function trace(
  path: string,
  key?: string,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, {
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
  it("answers 405 with Allow listing exactly the documented methods, on every documented path", async () => {
    // Prepare
    const doc = await json<Document>(await h.request("GET", "/openapi.json"));

    for (const [template, operations] of Object.entries(doc.paths)) {
      const documented = Object.keys(operations).map((method) => method.toUpperCase());
      const expected = [...documented, ...(documented.includes("GET") ? ["HEAD"] : [])].sort();

      // Act
      const res = await trace(concrete(template), org.adminKey);

      // Assess
      expect(res.status, `TRACE ${template}: ${res.body}`).toBe(405);
      expect(res.headers.allow, template).toBe(expected.join(", "));
      expect(res.headers["content-type"]).toBe("application/problem+json");
      expect(JSON.parse(res.body)).toMatchObject({ status: 405, code: "method_not_allowed" });
    }
  });

  it("answers 405 for a real method the path lacks, and 404 for a path that does not exist", async () => {
    const put = await h.request("PUT", "/v1/connections/conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A", {
      key: org.adminKey,
      body: {},
    });
    expect(put.status, await put.clone().text()).toBe(405);
    expect(put.headers.get("allow")).toBe("DELETE, GET, HEAD, PATCH");

    const missing = await h.request("DELETE", "/v1/nothing-here", { key: org.adminKey });
    expect(missing.status, await missing.clone().text()).toBe(404);
    expect(missing.headers.get("allow")).toBeNull();
  });

  it("still asks for a key first", async () => {
    const res = await trace("/v1/connectors");
    expect(res.status, res.body).toBe(401);
  });
});
