import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

type Connection = { id: string; etag: string; status: string; [field: string]: unknown };

async function create(key: string, extra: Record<string, unknown> = {}): Promise<Connection> {
  const res = await h.request("POST", "/v1/connectors/stripe/connections", {
    key,
    body: { name: "Stripe", security: { authMethod: "bearer", token: "sk" }, ...extra },
  });
  await expectStatus(res, 201);
  return json<Connection>(res);
}

const patch = (key: string, id: string, body: unknown, headers: Record<string, string> = {}) =>
  h.request("PATCH", `/v1/connections/${id}`, { key, body, headers });

describe("PATCH /v1/connections/{id}", () => {
  it("changes only the fields sent and moves the ETag on", async () => {
    const org = await createOrganization(h);
    const created = await create(org.adminKey, { metadata: { a: "1" }, external_xref: "x-1" });
    const res = await patch(org.adminKey, created.id, {
      name: "Renamed",
      environment: "staging",
      metadata: { b: "2" },
      general_params: [{ name: "v", value: "2", in: "header" }],
      target_system_servers: [{ url: "https://api.example.com" }],
      external_xref: null,
    });
    await expectStatus(res, 200);
    const body = await json<Connection>(res);
    expect(body).toMatchObject({
      name: "Renamed",
      environment: "staging",
      metadata: { b: "2" },
      general_params: [{ name: "v", value: "2", in: "header" }],
      target_system_servers: [{ url: "https://api.example.com" }],
      external_xref: null,
      access_scope: "personal",
      credentials: created.credentials,
      auth_aws_arn: created.auth_aws_arn,
    });
    expect(body.etag).not.toBe(created.etag);
    expect(res.headers.get("etag")).toBe(body.etag);
    expect(body.updated_at).not.toBe(created.updated_at);
  });

  it("applies with a matching If-Match and answers 412 with a stale one, changing nothing", async () => {
    const org = await createOrganization(h);
    const created = await create(org.adminKey);
    const ok = await patch(org.adminKey, created.id, { name: "v2" }, { "if-match": created.etag });
    await expectStatus(ok, 200);
    const stale = await patch(org.adminKey, created.id, { name: "v3" }, { "if-match": created.etag });
    await expectStatus(stale, 412);
    expect((await json(stale)).code).toBe("precondition_failed");
    const now = await json<Connection>(
      await h.request("GET", `/v1/connections/${created.id}`, { key: org.adminKey }),
    );
    expect(now.name).toBe("v2");
  });

  it("accepts If-Match: * and weak or listed tags", async () => {
    const org = await createOrganization(h);
    const created = await create(org.adminKey);
    await expectStatus(patch(org.adminKey, created.id, { name: "a" }, { "if-match": "*" }), 200);
    const current = await json<Connection>(
      await h.request("GET", `/v1/connections/${created.id}`, { key: org.adminKey }),
    );
    const listed = await patch(
      org.adminKey,
      created.id,
      { name: "b" },
      { "if-match": `"999", W/${current.etag}` },
    );
    await expectStatus(listed, 200);
  });

  it("pauses and resumes: status paused, then back to what the record says", async () => {
    const org = await createOrganization(h);
    const created = await create(org.adminKey);
    const paused = await json<Connection>(await patch(org.adminKey, created.id, { is_paused: true }));
    expect(paused).toMatchObject({ is_paused: true, status: "paused" });
    const listed = await json<{ data: Connection[] }>(
      await h.request("GET", "/v1/connections?status=paused", { key: org.adminKey }),
    );
    expect(listed.data.map((c) => c.id)).toEqual([created.id]);
    const resumed = await json<Connection>(await patch(org.adminKey, created.id, { is_paused: false }));
    expect(resumed).toMatchObject({ is_paused: false, status: "active" });
  });

  it("keeps service accounts organizational", async () => {
    const org = await createOrganization(h);
    const personal = await create(org.adminKey);
    const res = await patch(org.adminKey, personal.id, { is_service_account: true });
    await expectStatus(res, 422);
    const both = await patch(org.adminKey, personal.id, {
      is_service_account: true,
      access_scope: "organizational",
    });
    expect(await json(both)).toMatchObject({ is_service_account: true, access_scope: "organizational" });
    const back = await patch(org.adminKey, personal.id, { access_scope: "personal" });
    await expectStatus(back, 422);
  });

  it("rejects unknown fields, write-only fields and an unknown version with 422", async () => {
    const org = await createOrganization(h);
    const created = await create(org.adminKey);
    for (const body of [
      { colour: "red" },
      { security: { authMethod: "bearer", token: "t" } },
      { owner: "x" },
      { version: "v9" },
    ]) {
      const res = await patch(org.adminKey, created.id, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
  });

  it("merges concurrent updates of different fields without If-Match", async () => {
    const org = await createOrganization(h);
    const created = await create(org.adminKey);
    const results = await Promise.all([
      patch(org.adminKey, created.id, { name: "concurrent" }),
      patch(org.adminKey, created.id, { environment: "qa" }),
      patch(org.adminKey, created.id, { metadata: { k: "v" } }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const now = await json<Connection>(
      await h.request("GET", `/v1/connections/${created.id}`, { key: org.adminKey }),
    );
    expect(now).toMatchObject({ name: "concurrent", environment: "qa", metadata: { k: "v" }, etag: '"4"' });
  });
});
