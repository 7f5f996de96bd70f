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

type Problem = { code: string; errors?: { path: string; code: string }[] };

const stripe = (extra: Record<string, unknown> = {}) => ({
  name: "Production Stripe",
  security: { authMethod: "bearer", token: "sk_live_abc" },
  ...extra,
});

describe("POST /v1/connectors/{connector_id}/connections", () => {
  it("creates a connection with every field and answers 201 with Location and ETag", async () => {
    const org = await createOrganization(h);
    const res = await h.request("POST", "/v1/connectors/datadog/connections", {
      key: org.adminKey,
      body: {
        name: "Datadog EU",
        version: "v1",
        security: { authMethod: "apiKey", apiKey: "dd-key", headerName: "DD-API-KEY" },
        general_params: [{ name: "site", value: "datadoghq.eu", in: "query" }],
        headers: { "DD-APPLICATION-KEY": "app-key" },
        target_system_servers: [{ url: "https://api.datadoghq.eu", description: "EU" }],
        access_scope: "organizational",
        is_service_account: true,
        owner: "ops-bot",
        environment: "staging",
        external_xref: "tenant-7",
        metadata: { team: "sre" },
      },
    });
    await expectStatus(res, 201);
    const body = await json<Record<string, unknown> & { id: string }>(res);
    expect(res.headers.get("location")).toBe(`/v1/connections/${body.id}`);
    expect(res.headers.get("etag")).toBe(body.etag);
    expect(body).toMatchObject({
      object: "connection",
      organization_id: org.id,
      connector_id: "datadog",
      version: "v1",
      name: "Datadog EU",
      owner: "ops-bot",
      access_scope: "organizational",
      is_service_account: true,
      status: "active",
      oauth2_required: false,
      connector_page_url: null,
      general_params: [{ name: "site", value: "datadoghq.eu", in: "query" }],
      target_system_servers: [{ url: "https://api.datadoghq.eu", description: "EU" }],
      header_names: ["DD-APPLICATION-KEY"],
      environment: "staging",
      external_xref: "tenant-7",
      metadata: { team: "sre" },
      credentials: { auth_method: "apiKey", version: 1, managed: true, updated_at: expect.any(String) },
      auth_aws_arn: expect.stringMatching(
        new RegExp(
          `^arn:aws:secretsmanager:us-east-1:000000000000:secret:connvault/local/connections/${org.id}/${body.id}-[A-Za-z0-9]{6}$`,
        ),
      ),
      is_paused: false,
      last_healthy_at: null,
      last_unhealthy_at: null,
    });
    expect(body).not.toHaveProperty("security");
    expect(body).not.toHaveProperty("headers");
  });

  it("applies the documented defaults", async () => {
    const org = await createOrganization(h);
    const member = await org.member();
    const body = await json(
      await h.request("POST", "/v1/connectors/stripe/connections", { key: member.key, body: stripe() }),
    );
    expect(body).toMatchObject({
      version: null,
      owner: member.userId,
      access_scope: "personal",
      is_service_account: false,
      environment: "production",
      external_xref: null,
      metadata: {},
      general_params: [],
      target_system_servers: [],
      header_names: [],
    });
  });

  it("is also served at the /connect alias", async () => {
    const org = await createOrganization(h);
    const res = await h.request("POST", "/v1/connectors/stripe/connect", {
      key: org.adminKey,
      body: stripe(),
    });
    await expectStatus(res, 201);
  });

  it("answers an OAuth2 connector without a token with pending_authorization and a connector_page_url", async () => {
    const org = await createOrganization(h);
    const res = await h.request("POST", "/v1/connectors/slack/connections", {
      key: org.adminKey,
      body: { name: "Slack", redirect_url: "https://app.example.com/done" },
    });
    await expectStatus(res, 201);
    const body = await json<{ id: string; connector_page_url: string }>(res);
    expect(body).toMatchObject({
      status: "pending_authorization",
      oauth2_required: true,
      credentials: null,
      auth_aws_arn: null,
    });
    expect(new URL(body.connector_page_url).pathname).toBe("/oauth2/authorize");
    expect(
      h.calls.filter((c) => c.command === "CreateSecretCommand" && JSON.stringify(c.input).includes(body.id)),
    ).toEqual([]);
  });

  it("answers 422 oauth2_client_not_configured, saying how to configure it, for a connector with no OAuth2 client", async () => {
    const org = await createOrganization(h);
    const res = await h.request("POST", "/v1/connectors/github/connections", {
      key: org.adminKey,
      body: { name: "GitHub" },
    });
    await expectStatus(res, 422);
    const body = await json<{ code: string; detail: string }>(res);
    expect(body.code).toBe("oauth2_client_not_configured");
    expect(body.detail).toContain("PUT /v1/connectors/github");
    expect(body.detail).toContain("oauth2.client_id");
    const listed = await json<{ data: unknown[] }>(
      await h.request("GET", "/v1/connections", { key: org.adminKey }),
    );
    expect(listed.data).toEqual([]);
  });

  it("answers 422 oauth2_client_not_configured on authorize, for a token-holding connection whose connector has no client", async () => {
    const org = await createOrganization(h);
    const created = await json<{ id: string }>(
      await expectStatus(
        h.request("POST", "/v1/connectors/github/connections", {
          key: org.adminKey,
          body: {
            name: "GitHub",
            security: { authMethod: "oauth2", oauth2Token: { access_token: "gho_x" } },
          },
        }),
        201,
      ),
    );
    const res = await h.request("POST", `/v1/connections/${created.id}/authorize`, { key: org.adminKey });
    await expectStatus(res, 422);
    expect((await json<{ code: string }>(res)).code).toBe("oauth2_client_not_configured");
  });

  it("stores an OAuth2 token given at create and is then active", async () => {
    const org = await createOrganization(h);
    const body = await json(
      await h.request("POST", "/v1/connectors/github/connections", {
        key: org.adminKey,
        body: {
          name: "GitHub",
          security: {
            authMethod: "oauth2",
            oauth2Token: { access_token: "gho_x", expires_at: 1_900_000_000 },
          },
        },
      }),
    );
    expect(body).toMatchObject({
      status: "active",
      oauth2_required: false,
      credentials: { auth_method: "oauth2" },
    });
  });

  it("marks an api_key connection created without credentials as credentials_missing", async () => {
    const org = await createOrganization(h);
    const body = await json(
      await h.request("POST", "/v1/connectors/datadog/connections", {
        key: org.adminKey,
        body: { name: "DD" },
      }),
    );
    expect(body).toMatchObject({ status: "credentials_missing", credentials: null, auth_aws_arn: null });
  });

  it("answers 404 for an unknown connector", async () => {
    const org = await createOrganization(h);
    const res = await h.request("POST", "/v1/connectors/nope/connections", {
      key: org.adminKey,
      body: stripe(),
    });
    await expectStatus(res, 404);
    expect((await json<Problem>(res)).code).toBe("connector_not_found");
  });

  it.each([
    ["missing name", { security: { authMethod: "bearer", token: "t" } }, ["name"]],
    ["unknown field", { name: "x", colour: "red" }, ["colour"]],
    [
      "unknown nested field",
      { name: "x", security: { authMethod: "bearer", token: "t", extra: 1 } },
      ["security"],
    ],
    ["unknown authMethod", { name: "x", security: { authMethod: "magic" } }, ["security.authMethod"]],
    [
      "bad general_params",
      { name: "x", general_params: [{ name: "a", value: "b", in: "body" }] },
      ["general_params.0.in"],
    ],
    [
      "plain http server",
      { name: "x", target_system_servers: [{ url: "http://example.com" }] },
      ["target_system_servers.0.url"],
    ],
    ["bad header name", { name: "x", headers: { "bad header": "v" } }, ["headers"]],
    ["service account not organizational", { name: "x", is_service_account: true }, ["is_service_account"]],
    [
      "too many metadata keys",
      { name: "x", metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])) },
      ["metadata"],
    ],
  ])("answers 422 with field paths for %s", async (_case, body, paths) => {
    const org = await createOrganization(h);
    const res = await h.request("POST", "/v1/connectors/stripe/connections", { key: org.adminKey, body });
    await expectStatus(res, 422);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const problem = await json<Problem>(res);
    expect(problem.code).toBe("validation_failed");
    for (const path of paths) expect(problem.errors?.map((e) => e.path)).toContain(path);
  });

  it("answers 422 when the authMethod does not fit the connector's auth_type", async () => {
    const org = await createOrganization(h);
    const res = await h.request("POST", "/v1/connectors/stripe/connections", {
      key: org.adminKey,
      body: { name: "x", security: { authMethod: "basic", username: "u", password: "p" } },
    });
    await expectStatus(res, 422);
    expect((await json<Problem>(res)).errors).toEqual([
      expect.objectContaining({ path: "security.authMethod", code: "auth_method_mismatch" }),
    ]);
  });

  it("answers 422 for an unknown connector version", async () => {
    const org = await createOrganization(h);
    const res = await h.request("POST", "/v1/connectors/stripe/connections", {
      key: org.adminKey,
      body: stripe({ version: "v999" }),
    });
    await expectStatus(res, 422);
    expect((await json<Problem>(res)).errors?.[0]?.path).toBe("version");
  });

  it("answers 422 for a redirect_url on a connector that is not OAuth2", async () => {
    const org = await createOrganization(h);
    const res = await h.request("POST", "/v1/connectors/stripe/connections", {
      key: org.adminKey,
      body: stripe({ redirect_url: "https://example.com/back" }),
    });
    await expectStatus(res, 422);
  });

  it("lets an admin set another owner but not a member", async () => {
    const org = await createOrganization(h);
    const member = await org.member();
    const asAdmin = await h.request("POST", "/v1/connectors/stripe/connections", {
      key: org.adminKey,
      body: stripe({ owner: member.userId }),
    });
    expect((await json(asAdmin)).owner).toBe(member.userId);
    const asMember = await h.request("POST", "/v1/connectors/stripe/connections", {
      key: member.key,
      body: stripe({ owner: "someone-else" }),
    });
    await expectStatus(asMember, 403);
  });

  it("answers 413 when credentials exceed Secrets Manager's 64 KiB and writes nothing", async () => {
    const org = await createOrganization(h);
    const headers = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`X-Big-${i}`, "x".repeat(8000)]),
    );
    const before = h.calls.length;
    const res = await h.request("POST", "/v1/connectors/stripe/connections", {
      key: org.adminKey,
      body: stripe({ headers }),
    });
    await expectStatus(res, 413);
    expect(h.calls.slice(before).map((c) => c.command)).not.toContain("CreateSecretCommand");
  });

  it("answers 401 without a key and with a bad key", async () => {
    await expectStatus(h.request("POST", "/v1/connectors/stripe/connections", { body: stripe() }), 401);
    const res = await h.request("POST", "/v1/connectors/stripe/connections", {
      key: "cvk_bad",
      body: stripe(),
    });
    await expectStatus(res, 401);
  });

  it("answers 403 for the root key", async () => {
    const res = await h.request("POST", "/v1/connectors/stripe/connections", {
      key: h.rootApiKey,
      body: stripe(),
    });
    await expectStatus(res, 403);
  });
});
