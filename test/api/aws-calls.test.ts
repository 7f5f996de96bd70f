import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrganization, type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** The AWS commands sent while `act` runs, counted by middleware on the real SDK clients. */
async function callsDuring(act: () => Promise<unknown>): Promise<string[]> {
  const before = h.calls.length;
  await act();
  return h.calls.slice(before).map((call) => call.command);
}

describe("AWS round trips on the happy path", () => {
  it("create costs exactly CreateSecret + PutItem once the key and connector are cached", async () => {
    const org = await createOrganization(h);
    const create = () =>
      h.request("POST", "/v1/connectors/stripe/connections", {
        key: org.adminKey,
        body: { name: "Stripe", security: { authMethod: "bearer", token: "sk" } },
      });
    await create(); // warms the API-key and connector caches
    expect(await callsDuring(create)).toEqual(["CreateSecretCommand", "PutItemCommand"]);
  });

  it("get costs one GetItem once the key is cached", async () => {
    const org = await createOrganization(h);
    const created = await json<{ id: string }>(
      await h.request("POST", "/v1/connectors/open-meteo/connections", {
        key: org.adminKey,
        body: { name: "m" },
      }),
    );
    const get = () => h.request("GET", `/v1/connections/${created.id}`, { key: org.adminKey });
    expect(await callsDuring(get)).toEqual(["GetItemCommand"]);
  });

  it("a member's list page costs at most two Queries however many connections they cannot see", async () => {
    const org = await createOrganization(h);
    const [alice, bob] = [await org.member(), await org.member()];
    const create = (key: string, body: Record<string, unknown>) =>
      h.request("POST", "/v1/connectors/open-meteo/connections", { key, body });
    const shared = await json<{ id: string }>(
      await create(alice.key, { name: "s", access_scope: "organizational" }),
    );
    for (let i = 0; i < 300; i += 30)
      await Promise.all(Array.from({ length: 30 }, (_, j) => create(alice.key, { name: `p${i + j}` })));
    const list = () => h.request("GET", "/v1/connections?limit=1", { key: bob.key });
    await list(); // warms the key cache
    let page: { data: { id: string }[] } = { data: [] };
    const calls = await callsDuring(async () => {
      page = await json(await list());
    });
    expect(page.data.map((c) => c.id)).toEqual([shared.id]);
    expect(calls.filter((call) => call === "QueryCommand").length).toBeLessThanOrEqual(2);
    expect(calls.every((call) => call === "QueryCommand")).toBe(true);
  });

  it("a connection without credentials costs one PutItem and creates no secret", async () => {
    const org = await createOrganization(h);
    const create = () =>
      h.request("POST", "/v1/connectors/open-meteo/connections", { key: org.adminKey, body: { name: "m" } });
    await create();
    expect(await callsDuring(create)).toEqual(["PutItemCommand"]);
  });

  it("a cold key costs one extra GetItem, then none", async () => {
    const org = await createOrganization(h);
    const member = await org.member();
    const me = () => h.request("GET", "/v1/me", { key: member.key });
    expect(await callsDuring(me)).toEqual(["GetItemCommand"]);
    expect(await callsDuring(me)).toEqual([]);
  });
});
