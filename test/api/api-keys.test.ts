import { hashApiKey } from "@connvault/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe("POST /v1/api-keys", () => {
  it("issues a member key that authenticates as that user", async () => {
    const org = await createOrganization(h);
    const res = await h.request("POST", "/v1/api-keys", {
      key: org.adminKey,
      body: { user_id: "alice@example.com", role: "member", name: "Alice's laptop" },
    });
    await expectStatus(res, 201);
    const created = await json<{ id: string; key: string; name: string; created_at: string }>(res);
    expect(created).toMatchObject({ user_id: "alice@example.com", role: "member", name: "Alice's laptop" });

    const me = await json(await h.request("GET", "/v1/me", { headers: { "x-api-key": created.key } }));
    expect(me).toMatchObject({ organization_id: org.id, user_id: "alice@example.com", role: "member" });
  });

  it("stores only a hash of the key", async () => {
    const org = await createOrganization(h);
    const { key } = await org.member();
    const puts = h.calls.filter((c) => c.command === "PutItemCommand").map((c) => JSON.stringify(c.input));
    expect(puts.some((p) => p.includes(hashApiKey(key)))).toBe(true);
    expect(puts.some((p) => p.includes(key))).toBe(false);
  });

  it("forbids members from managing keys", async () => {
    const org = await createOrganization(h);
    const member = await org.member();
    const res = await h.request("POST", "/v1/api-keys", {
      key: member.key,
      body: { user_id: "x", role: "admin" },
    });
    await expectStatus(res, 403);
    await expectStatus(h.request("GET", "/v1/api-keys", { key: member.key }), 403);
  });

  it("answers 422 for an invalid user id or role", async () => {
    const org = await createOrganization(h);
    const res = await h.request("POST", "/v1/api-keys", {
      key: org.adminKey,
      body: { user_id: "has space", role: "owner" },
    });
    await expectStatus(res, 422);
    const body = await json<{ errors: { path: string }[] }>(res);
    expect(body.errors.map((e) => e.path).sort()).toEqual(["role", "user_id"]);
  });
});

describe("GET /v1/api-keys", () => {
  it("lists the organization's keys without their values", async () => {
    const org = await createOrganization(h);
    const member = await org.member("bob");
    const res = await h.request("GET", "/v1/api-keys", { key: org.adminKey });
    await expectStatus(res, 200);
    const text = await res.clone().text();
    expect(text).not.toContain(member.key);
    expect(text).not.toContain(org.adminKey);
    const body = await json<{ data: { user_id: string }[]; next_cursor: null }>(res);
    expect(body.data.map((k) => k.user_id).sort()).toEqual([org.adminUserId, "bob"].sort());
    expect(body.next_cursor).toBeNull();
  });

  it("never lists another organization's keys", async () => {
    const a = await createOrganization(h);
    const b = await createOrganization(h);
    const body = await json<{ data: { organization_id: string }[] }>(
      await h.request("GET", "/v1/api-keys", { key: a.adminKey }),
    );
    expect(body.data.every((k) => k.organization_id === a.id)).toBe(true);
    expect(body.data.some((k) => k.organization_id === b.id)).toBe(false);
  });
});

describe("DELETE /v1/api-keys/{id}", () => {
  it("revokes a key, which then answers 401", async () => {
    const org = await createOrganization(h);
    const member = await org.member();
    const me = await json<{ api_key_id: string }>(await h.request("GET", "/v1/me", { key: member.key }));
    const res = await h.request("DELETE", `/v1/api-keys/${me.api_key_id}`, { key: org.adminKey });
    await expectStatus(res, 204);
    await expectStatus(h.request("GET", "/v1/me", { key: member.key }), 401);
  });

  it("answers 404 for another organization's key", async () => {
    const a = await createOrganization(h);
    const b = await createOrganization(h);
    const bMe = await json<{ api_key_id: string }>(await h.request("GET", "/v1/me", { key: b.adminKey }));
    const res = await h.request("DELETE", `/v1/api-keys/${bMe.api_key_id}`, { key: a.adminKey });
    await expectStatus(res, 404);
    await expectStatus(h.request("GET", "/v1/me", { key: b.adminKey }), 200);
  });
});

describe("GET /v1/me", () => {
  it("answers 401 with a problem document for a bad key", async () => {
    const res = await h.request("GET", "/v1/me", { key: "cvk_not-a-real-key" });
    await expectStatus(res, 401);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await json(res)).toMatchObject({
      status: 401,
      code: "unauthorized",
      request_id: expect.any(String),
    });
  });

  it("answers 403 for the root key, which belongs to no organization", async () => {
    await expectStatus(h.request("GET", "/v1/me", { key: h.rootApiKey }), 403);
  });
});

describe("replaying POST /v1/api-keys", () => {
  it("answers 409 instead of handing out a key that was revoked since", async () => {
    const org = await createOrganization(h);
    const issue = () =>
      h.request("POST", "/v1/api-keys", {
        key: org.adminKey,
        headers: { "idempotency-key": `revoked-${Math.random()}` },
        body: { user_id: "bob", role: "member" },
      });
    const headers = { "idempotency-key": `revoked-${Math.random()}` };
    const body = { user_id: "bob", role: "member" };
    const first = await h.request("POST", "/v1/api-keys", { key: org.adminKey, headers, body });
    await expectStatus(first, 201);
    const { id } = await json<{ id: string }>(first);
    const replay = await h.request("POST", "/v1/api-keys", { key: org.adminKey, headers, body });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    await expectStatus(h.request("DELETE", `/v1/api-keys/${id}`, { key: org.adminKey }), 204);

    const afterRevoke = await h.request("POST", "/v1/api-keys", { key: org.adminKey, headers, body });
    await expectStatus(afterRevoke, 409);
    expect(await afterRevoke.text()).not.toContain("cvk_");
    await expectStatus(issue(), 201);
  });
});
