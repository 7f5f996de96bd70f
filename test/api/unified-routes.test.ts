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
  await configureOAuthClient(h, "hubspot");
});
afterAll(() => h.close());

type Unified = {
  id: string;
  integration_name: string;
  created_at: string;
  updated_at: string;
  [k: string]: unknown;
};

async function create(key: string, body: Record<string, unknown>) {
  const res = await h.request("POST", "/unified/connection", {
    key,
    body: { permissions: [], categories: [], ...body },
  });
  await expectStatus(res, 200);
  return json<Unified>(res);
}

const list = async (key: string, query: string) => {
  const res = await h.request("GET", `/unified/connection${query}`, { key });
  await expectStatus(res, 200);
  return json<Unified[]>(res);
};

describe("unified.to-compatible routes", () => {
  it("answers unified's shape: no nulls, workspace_id, and connvault's status rules underneath", async () => {
    const org = await createOrganization(h);
    const created = await create(org.adminKey, { integration_type: "datadog", auth: { key: "dd-key" } });
    expect(created).toMatchObject({
      integration_type: "datadog",
      workspace_id: org.id,
      environment: "production",
    });
    expect(Object.values(created)).not.toContain(null);
    expect(created).not.toHaveProperty("external_xref");
    const v1 = await json(await h.request("GET", `/v1/connections/${created.id}`, { key: org.adminKey }));
    expect(v1).toMatchObject({
      status: "active",
      access_scope: "organizational",
      credentials: { auth_method: "unified" },
    });
  });

  it("pages with limit and offset, sorts, and filters by env, external_xref, categories and updated_gte", async () => {
    const org = await createOrganization(h);
    const a = await create(org.adminKey, {
      integration_type: "stripe",
      integration_name: "b-stripe",
      categories: ["payment"],
      external_xref: "u1",
    });
    const b = await create(org.adminKey, {
      integration_type: "hubspot",
      integration_name: "a-hubspot",
      categories: ["crm"],
      environment: "Sandbox",
    });
    const c = await create(org.adminKey, {
      integration_type: "hubspot",
      integration_name: "c-hubspot",
      categories: ["crm", "martech"],
      external_xref: "u1",
    });
    const ids = (rows: Unified[]) => rows.map((r) => r.id);
    expect(ids(await list(org.adminKey, ""))).toEqual([a.id, b.id, c.id]);
    expect(ids(await list(org.adminKey, "?order=desc"))).toEqual([c.id, b.id, a.id]);
    expect(ids(await list(org.adminKey, "?sort=name"))).toEqual([b.id, a.id, c.id]);
    expect(ids(await list(org.adminKey, "?limit=1&offset=1"))).toEqual([b.id]);
    expect(ids(await list(org.adminKey, "?offset=5"))).toEqual([]);
    expect(ids(await list(org.adminKey, "?env=Sandbox"))).toEqual([b.id]);
    expect(ids(await list(org.adminKey, "?external_xref=u1"))).toEqual([a.id, c.id]);
    expect(ids(await list(org.adminKey, "?categories=martech&categories=payment"))).toEqual([a.id, c.id]);
    expect(ids(await list(org.adminKey, "?categories=crm,payment"))).toEqual([a.id, b.id, c.id]);
    expect(ids(await list(org.adminKey, `?updated_gte=${encodeURIComponent(c.updated_at)}`))).toEqual([c.id]);
  });

  it("keeps integration_type fixed and ignores read-only fields sent back from a GET", async () => {
    const org = await createOrganization(h);
    const created = await create(org.adminKey, { integration_type: "stripe" });
    const echoed = await h.request("PUT", `/unified/connection/${created.id}`, {
      key: org.adminKey,
      body: { ...created, external_xref: "now-set" },
    });
    await expectStatus(echoed, 200);
    expect((await json(echoed)).external_xref).toBe("now-set");
    const moved = await h.request("PATCH", `/unified/connection/${created.id}`, {
      key: org.adminKey,
      body: { integration_type: "hubspot" },
    });
    await expectStatus(moved, 422);
  });

  it("answers 422 for unknown fields, bad dates and a missing integration_type", async () => {
    const org = await createOrganization(h);
    for (const body of [
      { integration_type: "stripe", permissions: [], categories: [], colour: "red" },
      { integration_type: "stripe", permissions: [], categories: [], auth: { expiry_date: "tomorrow" } },
      { permissions: [], categories: [] },
      { integration_type: "stripe" },
    ]) {
      const res = await h.request("POST", "/unified/connection", { key: org.adminKey, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    await expectStatus(h.request("GET", "/unified/connection?limit=0", { key: org.adminKey }), 422);
  });

  it("deletes with 200 and an empty body, then answers 404", async () => {
    const org = await createOrganization(h);
    const created = await create(org.adminKey, { integration_type: "open-meteo" });
    const res = await h.request("DELETE", `/unified/connection/${created.id}`, { key: org.adminKey });
    await expectStatus(res, 200);
    expect(await res.text()).toBe("");
    await expectStatus(h.request("GET", `/unified/connection/${created.id}`, { key: org.adminKey }), 404);
  });
});
