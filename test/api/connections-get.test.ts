import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

async function createConnection(key: string, extra: Record<string, unknown> = {}) {
  const res = await h.request("POST", "/v1/connectors/stripe/connections", {
    key,
    body: { name: "Stripe", security: { authMethod: "bearer", token: "sk_test" }, ...extra },
  });
  await expectStatus(res, 201);
  return json<{ id: string; etag: string }>(res);
}

describe("GET /v1/connections/{id}", () => {
  it("reads back what was created, with an ETag", async () => {
    const org = await createOrganization(h);
    const created = await createConnection(org.adminKey);
    const res = await h.request("GET", `/v1/connections/${created.id}`, { key: org.adminKey });
    await expectStatus(res, 200);
    expect(res.headers.get("etag")).toBe(created.etag);
    expect(await json(res)).toEqual(created);
  });

  it("answers 404 for a connection of another organization", async () => {
    const a = await createOrganization(h);
    const b = await createOrganization(h);
    const created = await createConnection(a.adminKey, { access_scope: "organizational" });
    const res = await h.request("GET", `/v1/connections/${created.id}`, { key: b.adminKey });
    await expectStatus(res, 404);
    expect((await json(res)).code).toBe("connection_not_found");
  });

  it("answers 404 for another user's personal connection, even to an admin", async () => {
    const org = await createOrganization(h);
    const alice = await org.member();
    const bob = await org.member();
    const created = await createConnection(alice.key);
    await expectStatus(h.request("GET", `/v1/connections/${created.id}`, { key: bob.key }), 404);
    await expectStatus(h.request("GET", `/v1/connections/${created.id}`, { key: org.adminKey }), 404);
    await expectStatus(h.request("GET", `/v1/connections/${created.id}`, { key: alice.key }), 200);
  });

  it("shows an organizational connection to every member", async () => {
    const org = await createOrganization(h);
    const alice = await org.member();
    const bob = await org.member();
    const created = await createConnection(alice.key, { access_scope: "organizational" });
    await expectStatus(h.request("GET", `/v1/connections/${created.id}`, { key: bob.key }), 200);
  });

  it("answers 404 for an id that does not exist", async () => {
    const org = await createOrganization(h);
    await expectStatus(h.request("GET", "/v1/connections/conn_nope", { key: org.adminKey }), 404);
  });

  it("answers 401 without a key", async () => {
    await expectStatus(h.request("GET", "/v1/connections/conn_x"), 401);
  });
});
