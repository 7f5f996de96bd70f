import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** A new organization whose member alice owns a personal connection. */
async function alicesPersonalConnection() {
  const org = await createOrganization(h);
  const alice = await org.member("alice");
  const created = await json<{ id: string }>(
    await h.request("POST", "/v1/connectors/open-meteo/connections", {
      key: alice.key,
      body: { name: "mine" },
    }),
  );
  return { org, created };
}

// README "Access": personal is privacy between users, not a boundary against the organization's admins.
describe("a personal connection and the organization's admins", () => {
  it("is hidden from an admin's own key, and reachable through a key the admin issues for its owner", async () => {
    // Prepare: alice's personal connection.
    const { org, created } = await alicesPersonalConnection();

    // Act
    const asAdmin = await h.request("GET", `/v1/connections/${created.id}`, { key: org.adminKey });
    const listed = await json<{ data: { id: string }[] }>(
      await h.request("GET", "/v1/connections", { key: org.adminKey }),
    );
    const issued = await json<{ key: string }>(
      await h.request("POST", "/v1/api-keys", {
        key: org.adminKey,
        body: { user_id: "alice", role: "member" },
      }),
    );
    const asAlice = await h.request("GET", `/v1/connections/${created.id}`, { key: issued.key });

    // Assess
    await expectStatus(asAdmin, 404);
    expect(listed.data.map((c) => c.id)).not.toContain(created.id);
    await expectStatus(asAlice, 200);
  });

  it("stays out of reach of another organization's admin, whatever user id it issues", async () => {
    const { created } = await alicesPersonalConnection();
    const other = await createOrganization(h);
    const issued = await json<{ key: string }>(
      await h.request("POST", "/v1/api-keys", {
        key: other.adminKey,
        body: { user_id: "alice", role: "admin" },
      }),
    );

    const res = await h.request("GET", `/v1/connections/${created.id}`, { key: issued.key });

    await expectStatus(res, 404);
  });
});
