import { catalog } from "@connvault/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe("GET /v1/connectors", () => {
  it("lists the shipped catalog: at least ten connectors, OAuth2 ones included", async () => {
    const org = await createOrganization(h);
    const res = await h.request("GET", "/v1/connectors", { key: org.adminKey });
    await expectStatus(res, 200);
    const body = await json<{ data: { id: string; auth_type: string }[] }>(res);
    expect(body.data.map((c) => c.id).sort()).toEqual(
      catalog()
        .map((c) => c.id)
        .sort(),
    );
    expect(body.data.length).toBeGreaterThanOrEqual(10);
    expect(body.data.filter((c) => c.auth_type === "oauth2").length).toBeGreaterThanOrEqual(3);
  });

  it("needs an API key", async () => {
    await expectStatus(h.request("GET", "/v1/connectors"), 401);
  });
});

describe("GET /v1/connectors/{connector_id}", () => {
  it("reads one connector with its versions and OAuth2 settings", async () => {
    const org = await createOrganization(h);
    const body = await json(await h.request("GET", "/v1/connectors/slack", { key: org.adminKey }));
    expect(body).toMatchObject({
      id: "slack",
      auth_type: "oauth2",
      oauth2: { authorization_url: expect.stringMatching(/^https:\/\//), token_url: expect.any(String) },
    });
  });

  it("answers 404 for an unknown connector", async () => {
    const org = await createOrganization(h);
    const res = await h.request("GET", "/v1/connectors/no-such-thing", { key: org.adminKey });
    await expectStatus(res, 404);
    expect((await json(res)).code).toBe("connector_not_found");
  });
});
