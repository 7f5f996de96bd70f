import { describe, expect } from "vitest";
import { it } from "../helpers/fixtures.ts";
import { configureOAuthClient, expectStatus, type Harness, json } from "../helpers/harness.ts";

type Connection = {
  id: string;
  status: string;
  last_healthy_at: string | null;
  last_unhealthy_at: string | null;
  health_reason: string | null;
};

const report = (h: Harness, key: string, id: string, body: unknown, headers: Record<string, string> = {}) =>
  h.request("POST", `/v1/connections/${id}/health`, { key, body, headers });

async function create(h: Harness, key: string, connector: string, body: Record<string, unknown>) {
  const res = await h.request("POST", `/v1/connectors/${connector}/connections`, { key, body });
  await expectStatus(res, 201);
  return json<Connection>(res);
}

describe("POST /v1/connections/{id}/health", () => {
  it("moves active → unhealthy → active and stamps each report", async ({ h, org }) => {
    const created = await create(h, org.adminKey, "open-meteo", { name: "m" });
    expect(created.status).toBe("active");
    const sick = await json<Connection>(
      await report(h, org.adminKey, created.id, { healthy: false, reason: "HTTP 401" }),
    );
    expect(sick).toMatchObject({ status: "unhealthy", health_reason: "HTTP 401", last_healthy_at: null });
    expect(sick.last_unhealthy_at).toEqual(expect.any(String));
    const well = await json<Connection>(await report(h, org.adminKey, created.id, { healthy: true }));
    expect(well).toMatchObject({
      status: "active",
      health_reason: null,
      last_unhealthy_at: sick.last_unhealthy_at,
    });
    expect(well.last_healthy_at).toEqual(expect.any(String));
  });

  it("lets paused and missing credentials take precedence over health", async ({ h, org }) => {
    const missing = await create(h, org.adminKey, "datadog", { name: "dd" });
    expect(
      (await json<Connection>(await report(h, org.adminKey, missing.id, { healthy: false }))).status,
    ).toBe("credentials_missing");
    await configureOAuthClient(h, "slack");
    const pending = await create(h, org.adminKey, "slack", { name: "slack" });
    expect(
      (await json<Connection>(await report(h, org.adminKey, pending.id, { healthy: true }))).status,
    ).toBe("pending_authorization");
    const paused = await create(h, org.adminKey, "open-meteo", { name: "m" });
    await h.request("PATCH", `/v1/connections/${paused.id}`, {
      key: org.adminKey,
      body: { is_paused: true },
    });
    const res = await json<Connection>(await report(h, org.adminKey, paused.id, { healthy: false }));
    expect(res.status).toBe("paused");
    const resumed = await h.request("PATCH", `/v1/connections/${paused.id}`, {
      key: org.adminKey,
      body: { is_paused: false },
    });
    expect((await json<Connection>(resumed)).status).toBe("unhealthy");
  });

  it("replays a report sent again with the same Idempotency-Key instead of stamping it twice", async ({
    h,
    org,
  }) => {
    const created = await create(h, org.adminKey, "open-meteo", { name: "m" });
    const headers = { "idempotency-key": "probe-run-1" };
    const first = await report(h, org.adminKey, created.id, { healthy: false, reason: "timeout" }, headers);
    const again = await report(h, org.adminKey, created.id, { healthy: false, reason: "timeout" }, headers);
    await expectStatus(again, 200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(await json(again)).toEqual(await json(first));
    const other = await report(h, org.adminKey, created.id, { healthy: true }, headers);
    await expectStatus(other, 422);
    expect((await json(other)).code).toBe("idempotency_key_reused");
  });

  it("answers 422 for a body without healthy", async ({ h, org }) => {
    const created = await create(h, org.adminKey, "open-meteo", { name: "m" });
    const res = await report(h, org.adminKey, created.id, { reason: "x" });
    await expectStatus(res, 422);
  });
});
