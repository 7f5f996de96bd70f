import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe("POST /v1/organizations", () => {
  it("creates an organization with a first admin key that works at once", async () => {
    const res = await h.request("POST", "/v1/organizations", { key: h.rootApiKey, body: { name: "Acme" } });
    await expectStatus(res, 201);
    const body = await json<{ id: string; name: string; admin_api_key: Record<string, string> }>(res);
    expect(body.id).toMatch(/^org_[0-9A-Z]{26}$/);
    expect(body.name).toBe("Acme");
    expect(body.admin_api_key).toMatchObject({
      role: "admin",
      key: expect.stringMatching(/^cvk_[\w-]{43}$/),
    });
    expect(body.admin_api_key.user_id).toMatch(/^usr_/);

    const me = await h.request("GET", "/v1/me", { key: body.admin_api_key.key });
    expect(await json(me)).toEqual({
      organization_id: body.id,
      user_id: body.admin_api_key.user_id,
      role: "admin",
      api_key_id: body.admin_api_key.id,
    });
  });

  it("rejects an organization key with 403", async () => {
    const org = await createOrganization(h);
    const res = await h.request("POST", "/v1/organizations", { key: org.adminKey, body: { name: "Other" } });
    await expectStatus(res, 403);
    expect((await json(res)).code).toBe("forbidden");
  });

  it("rejects a missing or unknown key with 401", async () => {
    await expectStatus(h.request("POST", "/v1/organizations", { body: { name: "x" } }), 401);
    const res = await h.request("POST", "/v1/organizations", { key: "cvk_unknown", body: { name: "x" } });
    await expectStatus(res, 401);
  });

  it("answers 422 with the field path for a bad name and for unknown fields", async () => {
    const res = await h.request("POST", "/v1/organizations", {
      key: h.rootApiKey,
      body: { name: "", plan: "x" },
    });
    await expectStatus(res, 422);
    const body = await json<{ errors: { path: string }[] }>(res);
    expect(body.errors.map((e) => e.path).sort()).toEqual(["name", "plan"]);
  });
});

describe("POST /v1/organizations with an Idempotency-Key", () => {
  it("derives a different organization id in another deployment (another server key)", async () => {
    const other = await startHarness();
    try {
      const create = (harness: Harness) =>
        harness.request("POST", "/v1/organizations", {
          key: harness.rootApiKey,
          headers: { "idempotency-key": "same-key-everywhere" },
          body: { name: "Acme" },
        });
      const here = await json<{ id: string }>(await create(h));
      const there = await json<{ id: string }>(await create(other));
      expect(here.id).toMatch(/^org_/);
      expect(there.id).not.toBe(here.id);
      expect((await json<{ id: string }>(await create(h))).id).toBe(here.id);
    } finally {
      await other.close();
    }
  });
});
