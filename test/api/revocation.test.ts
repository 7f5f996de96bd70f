import { createApiServices, createApp } from "@connvault/functions";
import { afterAll, beforeAll, describe, it } from "vitest";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe("API key revocation across containers", () => {
  it("takes effect at once where it happened and within 60 s in another warm container", async () => {
    const org = await createOrganization(h);
    const member = await org.member();
    // Prepare: a second "container" with its own caches and a clock the test moves.
    let now = Date.now();
    const other = createApp(createApiServices(h.services.config, { clock: { now: () => new Date(now) } }));
    const meOn = (app: typeof other) =>
      app.request("/v1/me", { headers: { authorization: `Bearer ${member.key}` } });
    const me = await json<{ api_key_id: string }>(await meOn(other));

    // Act: revoke through the first container.
    await expectStatus(h.request("DELETE", `/v1/api-keys/${me.api_key_id}`, { key: org.adminKey }), 204);

    // Assess
    await expectStatus(meOn(h.app), 401);
    now += 59_000;
    await expectStatus(meOn(other), 200);
    now += 2_000;
    await expectStatus(meOn(other), 401);
  });
});
