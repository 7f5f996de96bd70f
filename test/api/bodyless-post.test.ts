import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  configureOAuthClient,
  createOrganization,
  expectStatus,
  type Harness,
  json,
  startHarness,
} from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await configureOAuthClient(h, "slack");
});
afterAll(() => h.close());

/** What `curl -X <method>` sends: no Content-Length, no Transfer-Encoding, no Content-Type. */
function bodyless(method: string, base: string, path: string, key: string) {
  const { hostname, port } = new URL(base);
  return new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `${method} ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${key}\r\nConnection: close\r\n\r\n`,
      );
    });
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk;
    });
    socket.on("end", () => resolve(text));
    socket.on("error", reject);
  });
}

describe("a request without a body", () => {
  it("reaches POST …/authorize over real HTTP instead of answering 415", async () => {
    const org = await createOrganization(h);
    const created = await h.request("POST", "/v1/connectors/slack/connections", {
      key: org.adminKey,
      body: { name: "bodyless", access_scope: "organizational" },
    });
    await expectStatus(created, 201);
    const { id } = await json<{ id: string }>(created);
    const server = await h.listen();
    try {
      const answer = await bodyless("POST", server.url, `/v1/connections/${id}/authorize`, org.adminKey);
      expect(answer.split("\r\n")[0], answer).toBe("HTTP/1.1 200 OK");
      expect(answer).toContain("connector_page_url");
    } finally {
      await server.close();
    }
  });

  it.each(["PATCH", "PUT"])(
    "is refused with 422 on %s, whose body is required, before any other check",
    async (method) => {
      // Prepare: a connection, so each path exists.
      const org = await createOrganization(h);
      const created = await h.request("POST", "/v1/connectors/stripe/connections", {
        key: org.adminKey,
        body: { name: "bodyless", security: { authMethod: "bearer", token: "t" } },
      });
      const { id } = await json<{ id: string }>(created);
      const paths = {
        PATCH: [`/v1/connections/${id}`, `/unified/connection/${id}`],
        PUT: [`/v1/connections/${id}/credentials`, `/unified/connection/${id}`, "/v1/connectors/stripe"],
      }[method] as string[];
      const server = await h.listen();
      try {
        for (const path of paths) {
          // Act
          const answer = await bodyless(method, server.url, path, org.adminKey);

          // Assess
          expect(answer.split("\r\n")[0], `${method} ${path}: ${answer}`).toMatch(/^HTTP\/1\.1 422 /);
          expect(answer).toContain('"code":"validation_failed"');
        }
      } finally {
        await server.close();
      }
    },
  );
});
