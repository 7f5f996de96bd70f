import { request as httpRequest } from "node:http";
import { describe, expect } from "vitest";
import { it } from "../helpers/fixtures.ts";
import { expectStatus } from "../helpers/harness.ts";

const DOTTED = [
  "/v1/connectors/x/../stripe/connections",
  "/v1/connectors/x/%2e%2e/stripe/connections",
  "/v1/connectors/x/.%2E/stripe/connections",
  "/v1/connectors/./stripe/connections",
];
const body = JSON.stringify({ name: "dotted" });

/** A request whose target reaches the server byte for byte (fetch would resolve the dot segments). */
function rawPost(base: string, path: string, key: string) {
  return new Promise<{ status: number; type: string | undefined }>((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const req = httpRequest(
      {
        hostname,
        port,
        path,
        agent: false,
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"] });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("paths with dot segments", () => {
  it.for(DOTTED)(
    "answers 404 for %s given as the raw request target, instead of creating",
    async (path, { h, org }) => {
      const res = await h.app.request(
        path,
        {
          method: "POST",
          headers: { authorization: `Bearer ${org.adminKey}`, "content-type": "application/json" },
          body,
        },
        { incoming: { url: path } },
      );
      await expectStatus(res, 404);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    },
  );

  it("answers 404 over real HTTP through @hono/node-server", async ({ org, server }) => {
    for (const path of DOTTED) {
      expect(await rawPost(server.url, path, org.adminKey), path).toEqual({
        status: 404,
        type: "application/problem+json",
      });
    }
    await expectStatus(rawPost(server.url, "/v1/connectors/stripe/connections", org.adminKey), 201);
  });
});
