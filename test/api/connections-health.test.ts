import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrganization, type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

type Connection = {
  id: string;
  status: string;
  last_healthy_at: string | null;
  last_unhealthy_at: string | null;
  health_reason: string | null;
};

const report = (key: string, id: string, body: unknown, headers: Record<string, string> = {}) =>
  h.request("POST", `/v1/connections/${id}/health`, { key, body, headers });

async function create(key: string, connector: string, body: Record<string, unknown>) {
  const res = await h.request("POST", `/v1/connectors/${connector}/connections`, { key, body });
  expect(res.status, await res.clone().text()).toBe(201);
  return json<Connection>(res);
}

describe("POST /v1/connections/{id}/health", () => {
  it("moves active → unhealthy → active and stamps each report", async () => {
    const org = await createOrganization(h);
    const created = await create(org.adminKey, "open-meteo", { name: "m" });
    expect(created.status).toBe("active");
    const sick = await json<Connection>(
      await report(org.adminKey, created.id, { healthy: false, reason: "HTTP 401" }),
    );
    expect(sick).toMatchObject({ status: "unhealthy", health_reason: "HTTP 401", last_healthy_at: null });
    expect(sick.last_unhealthy_at).toEqual(expect.any(String));
    const well = await json<Connection>(await report(org.adminKey, created.id, { healthy: true }));
    expect(well).toMatchObject({
      status: "active",
      health_reason: null,
      last_unhealthy_at: sick.last_unhealthy_at,
    });
    expect(well.last_healthy_at).toEqual(expect.any(String));
  });

  it("lets paused and missing credentials take precedence over health", async () => {
    const org = await createOrganization(h);
    const missing = await create(org.adminKey, "datadog", { name: "dd" });
    expect((await json<Connection>(await report(org.adminKey, missing.id, { healthy: false }))).status).toBe(
      "credentials_missing",
    );
    const pending = await create(org.adminKey, "slack", { name: "slack" });
    expect((await json<Connection>(await report(org.adminKey, pending.id, { healthy: true }))).status).toBe(
      "pending_authorization",
    );
    const paused = await create(org.adminKey, "open-meteo", { name: "m" });
    await h.request("PATCH", `/v1/connections/${paused.id}`, {
      key: org.adminKey,
      body: { is_paused: true },
    });
    const res = await json<Connection>(await report(org.adminKey, paused.id, { healthy: false }));
    expect(res.status).toBe("paused");
    const resumed = await h.request("PATCH", `/v1/connections/${paused.id}`, {
      key: org.adminKey,
      body: { is_paused: false },
    });
    expect((await json<Connection>(resumed)).status).toBe("unhealthy");
  });

  it("replays a report sent again with the same Idempotency-Key instead of stamping it twice", async () => {
    const org = await createOrganization(h);
    const created = await create(org.adminKey, "open-meteo", { name: "m" });
    const headers = { "idempotency-key": "probe-run-1" };
    const first = await report(org.adminKey, created.id, { healthy: false, reason: "timeout" }, headers);
    const again = await report(org.adminKey, created.id, { healthy: false, reason: "timeout" }, headers);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(await json(again)).toEqual(await json(first));
    const other = await report(org.adminKey, created.id, { healthy: true }, headers);
    expect(other.status).toBe(422);
    expect((await json(other)).code).toBe("idempotency_key_reused");
  });

  it("answers 422 for a body without healthy", async () => {
    const org = await createOrganization(h);
    const created = await create(org.adminKey, "open-meteo", { name: "m" });
    expect((await report(org.adminKey, created.id, { reason: "x" })).status).toBe(422);
  });
});
