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
  await configureOAuthClient(h, "slack");
});
afterAll(() => h.close());

type Connection = { id: string; oauth2_required: boolean; connector_page_url: string | null };

/** A Slack connection without a token: pending_authorization, so it has a page URL for those who may change it. */
async function pendingSlack(key: string, accessScope: "organizational" | "personal") {
  const res = await h.request("POST", "/v1/connectors/slack/connections", {
    key,
    body: { name: "Slack", access_scope: accessScope },
  });
  await expectStatus(res, 201);
  return json<Connection>(res);
}

const get = async (key: string, id: string) => {
  const res = await h.request("GET", `/v1/connections/${id}`, { key });
  await expectStatus(res, 200);
  return json<Connection>(res);
};
const listed = async (key: string, id: string) => {
  const res = await h.request("GET", "/v1/connections?limit=100", { key });
  await expectStatus(res, 200);
  return (await json<{ data: Connection[] }>(res)).data.find((c) => c.id === id);
};

describe("connector_page_url", () => {
  it("is null for a member who gets 403 on authorize, in GET and in the list (the review's finding 1)", async () => {
    const org = await createOrganization(h);
    const bob = await org.member();
    const created = await pendingSlack(org.adminKey, "organizational");

    const authorize = await h.request("POST", `/v1/connections/${created.id}/authorize`, { key: bob.key });

    await expectStatus(authorize, 403);
    expect(await get(bob.key, created.id)).toMatchObject({ oauth2_required: true, connector_page_url: null });
    expect(await listed(bob.key, created.id)).toMatchObject({
      oauth2_required: true,
      connector_page_url: null,
    });
  });

  it("is given to an admin for an organizational connection, in the create answer, GET and the list", async () => {
    const org = await createOrganization(h);
    const created = await pendingSlack(org.adminKey, "organizational");

    const links = [created, await get(org.adminKey, created.id), await listed(org.adminKey, created.id)];

    for (const link of links) {
      expect(new URL(link?.connector_page_url ?? "").pathname).toBe("/oauth2/authorize");
    }
  });

  it("is given to a member for their own personal connection", async () => {
    const org = await createOrganization(h);
    const alice = await org.member();
    const created = await pendingSlack(alice.key, "personal");

    expect(created.connector_page_url).toEqual(expect.stringContaining("/oauth2/authorize?state="));
    expect((await get(alice.key, created.id)).connector_page_url).toEqual(expect.any(String));
  });
});
