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
