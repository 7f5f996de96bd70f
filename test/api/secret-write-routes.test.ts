import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECRET_WRITE_ROUTES } from "../../stacks/secret-writes.ts";
import { createOrganization, type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const SECRET_WRITES = new Set(["CreateSecretCommand", "PutSecretValueCommand", "DeleteSecretCommand"]);

describe("the routes API Gateway throttles as secret writes (stacks/secret-writes.ts)", () => {
  it("are exactly the api routes that create, write or delete a secret", async () => {
    // Prepare: one call of every operation that changes something, each named by its route key.
    const org = await createOrganization(h);
    const key = org.adminKey;
    const bearer = { authMethod: "bearer", token: "sk_test" };
    const writers = new Set<string>();
    const tour: string[] = [];
    const call = async (route: string, path: string, options: { key: string; body?: unknown }) => {
      const [method = ""] = route.split(" ");
      const before = h.calls.length;
      const res = await h.request(method, path, options);
      expect(res.status, `${route}: ${await res.clone().text()}`).toBeLessThan(300);
      tour.push(route);
      if (h.calls.slice(before).some((c) => SECRET_WRITES.has(c.command))) writers.add(route);
      const text = await res.text();
      return (text ? JSON.parse(text) : {}) as { id: string };
    };

    // Act
    await call("POST /v1/api-keys", "/v1/api-keys", { key, body: { user_id: "someone", role: "member" } });
    const keys = await json<{ data: { id: string }[] }>(await h.request("GET", "/v1/api-keys", { key }));
    await call("DELETE /v1/api-keys/{id}", `/v1/api-keys/${keys.data.at(-1)?.id}`, { key });
    await call("POST /v1/organizations", "/v1/organizations", { key: h.rootApiKey, body: { name: "Other" } });
    type Connector = { id: string; latest_version: string; oauth2: { client_secret_configured?: boolean } };
    const slack = await json<Connector>(await h.request("GET", "/v1/connectors/slack", { key }));
    const { id: _, latest_version: __, oauth2, ...connector } = slack;
    const { client_secret_configured: ___, ...client } = oauth2;
    await call("PUT /v1/connectors/{connector_id}", "/v1/connectors/slack-copy", {
      key: h.rootApiKey,
      body: { ...connector, oauth2: { ...client, client_id: "cid", client_secret: "csecret" } },
    });
    const a = await call(
      "POST /v1/connectors/{connector_id}/connections",
      "/v1/connectors/stripe/connections",
      {
        key,
        body: { name: "a", security: bearer },
      },
    );
    const b = await call("POST /v1/connectors/{connector_id}/connect", "/v1/connectors/stripe/connect", {
      key,
      body: { name: "b", security: bearer },
    });
    await call("PATCH /v1/connections/{id}", `/v1/connections/${a.id}`, { key, body: { name: "a2" } });
    await call("PUT /v1/connections/{id}/credentials", `/v1/connections/${a.id}/credentials`, {
      key,
      body: { security: { ...bearer, token: "sk_test_2" } },
    });
    await call("POST /v1/connections/{id}/health", `/v1/connections/${a.id}/health`, {
      key,
      body: { healthy: false, reason: "probe" },
    });
    const pending = await call(
      "POST /v1/connectors/{connector_id}/connections",
      "/v1/connectors/slack-copy/connections",
      {
        key,
        body: { name: "pending" },
      },
    );
    await call("POST /v1/connections/{id}/authorize", `/v1/connections/${pending.id}/authorize`, { key });
    await call("DELETE /v1/connections/{id}", `/v1/connections/${a.id}`, { key });
    await call("DELETE /v1/connections/{id}", `/v1/connections/${b.id}?force=true`, { key });
    const auth = { name: "sk_test_3" };
    const u = await call("POST /unified/connection", "/unified/connection", {
      key,
      body: { integration_type: "stripe", permissions: [], categories: [], auth },
    });
    await call("PUT /unified/connection/{id}", `/unified/connection/${u.id}`, {
      key,
      body: { integration_type: "stripe", permissions: [], categories: [], auth: { name: "sk_test_4" } },
    });
    await call("PATCH /unified/connection/{id}", `/unified/connection/${u.id}`, {
      key,
      body: { integration_type: "stripe", permissions: [], categories: [], auth: { name: "sk_test_5" } },
    });
    await call("DELETE /unified/connection/{id}", `/unified/connection/${u.id}`, { key });
    const session = await call("POST /v1/connect-sessions", "/v1/connect-sessions", {
      key,
      body: { owner: org.adminUserId, allowed_connectors: ["stripe"] },
    });
    await call("DELETE /v1/connect-sessions/{id}", `/v1/connect-sessions/${session.id}`, { key });

    // Assess: every operation that changes something was toured, and the writers are the throttled ones.
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(
      await h.request("GET", "/openapi.json"),
    );
    const changing = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.keys(operations)
        .filter((method) => ["post", "put", "patch", "delete"].includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(changing.filter((route) => !tour.includes(route))).toEqual([]);
    // The OAuth2 callback and the hosted connect page's form are other functions' routes, not the api's.
    const throttled = Object.keys(SECRET_WRITE_ROUTES).filter(
      (route) => !route.startsWith("GET /oauth2/") && !route.startsWith("POST /connect/"),
    );
    expect([...writers].sort()).toEqual(throttled.sort());
  });
});
