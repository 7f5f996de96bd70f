import { ScanCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-secrets-manager";
import { createResolverHandler } from "@connvault/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoClient, secretsManagerClient } from "../helpers/aws.ts";
import {
  createOrganization,
  expectStatus,
  type Harness,
  json,
  type TestOrganization,
} from "../helpers/harness.ts";
import { withTagCondition } from "../helpers/iam.ts";
import { type OAuthSetup, resolvedOAuth2Token, startOAuthSetup } from "../helpers/oauth-connector.ts";
import { authorizeInBrowser as authorizeAt, cookiesOf } from "../helpers/oauth-page.ts";
import { followToRedirect, type OAuthServer } from "../helpers/oauth-server.ts";

let h: Harness;
let server: { url: string; close(): Promise<void> };
let provider: OAuthServer;
let org: TestOrganization;

type Connection = {
  id: string;
  status: string;
  auth_aws_arn: string | null;
  connector_page_url: string | null;
  credentials: { version: number; auth_method: string } | null;
};

let setup: OAuthSetup;
beforeAll(async () => {
  setup = await startOAuthSetup();
  ({ h, server, provider, org } = setup);
});
afterAll(() => setup.close());

/** Plays the browser: connector_page_url → provider → our callback; returns the callback's answer. */
const authorizeInBrowser = (pageUrl: string) => authorizeAt(server.url, pageUrl);

async function createPending(extra: Record<string, unknown> = {}): Promise<Connection> {
  const res = await h.request("POST", "/v1/connectors/acme-oauth/connections", {
    key: org.adminKey,
    body: { name: "Acme", ...extra },
  });
  await expectStatus(res, 201);
  return json<Connection>(res);
}

const read = async (id: string) =>
  json<Connection>(await h.request("GET", `/v1/connections/${id}`, { key: org.adminKey }));

const resolve = (connectionId: string) =>
  createResolverHandler(h.services)({
    organization_id: org.id,
    user_id: org.adminUserId,
    connection_id: connectionId,
    purpose: "test",
  });

describe("OAuth2 connectors", () => {
  it("keep the client secret write-only", async () => {
    const res = await h.request("GET", "/v1/connectors/acme-oauth", { key: org.adminKey });
    const text = await res.text();
    expect(text).not.toContain(provider.clientSecret);
    expect(JSON.parse(text).oauth2).toMatchObject({
      client_id: provider.clientId,
      client_secret_configured: true,
    });
    expect(JSON.parse(text).oauth2).not.toHaveProperty("client_secret_arn");
    const items = await dynamoClient(h.edge.url).send(new ScanCommand({ TableName: "connvault-test" }));
    expect(JSON.stringify(items.Items)).not.toContain(provider.clientSecret);
  });

  it("go from create to an active connection whose token the provider accepts", async () => {
    const created = await createPending();
    expect(created).toMatchObject({ status: "pending_authorization", auth_aws_arn: null });
    const done = await authorizeInBrowser(created.connector_page_url ?? "");
    await expectStatus(done, 200);
    expect(await done.text()).toContain('data-outcome="success"');

    const active = await read(created.id);
    expect(active).toMatchObject({ status: "active", credentials: { version: 1, auth_method: "oauth2" } });
    const resolved = await resolve(created.id);
    const token = resolvedOAuth2Token(resolved);
    expect(await provider.accepts(token?.access_token ?? "")).toBe(true);
    expect(token?.refresh_token).toEqual(expect.any(String));
  });

  it("redirect to the connection's redirect_url when it has one", async () => {
    const created = await createPending({ redirect_url: "https://app.example.com/connected?tab=1" });
    const done = await authorizeInBrowser(created.connector_page_url ?? "");
    await expectStatus(done, 302);
    const target = new URL(done.headers.get("location") ?? "");
    expect(`${target.origin}${target.pathname}`).toBe("https://app.example.com/connected");
    expect(Object.fromEntries(target.searchParams)).toEqual({
      tab: "1",
      connection_id: created.id,
      status: "authorized",
    });
  });

  it("re-authorize in place: same id, same ARN, next secret version", async () => {
    const created = await createPending();
    await authorizeInBrowser(created.connector_page_url ?? "");
    const first = await read(created.id);
    const again = await h.request("POST", `/v1/connections/${created.id}/authorize`, { key: org.adminKey });
    await expectStatus(again, 200);
    const { connector_page_url } = await json<{ connector_page_url: string }>(again);
    await expectStatus(authorizeInBrowser(connector_page_url), 200);
    const second = await read(created.id);
    expect(second).toMatchObject({
      id: first.id,
      auth_aws_arn: first.auth_aws_arn,
      credentials: { version: 2 },
    });
  });

  it("refresh an expiring token in the resolver, once for 10 concurrent calls", async () => {
    provider.setAccessTokenTtl(60); // expires within the 5-minute window at once
    const created = await createPending();
    await authorizeInBrowser(created.connector_page_url ?? "");
    provider.setAccessTokenTtl(3600);
    const before = provider.tokenRequests.refresh_token;

    const results = await Promise.all(Array.from({ length: 10 }, () => resolve(created.id)));

    expect(provider.tokenRequests.refresh_token - before).toBe(1);
    const tokens = results.map((r) =>
      r.ok && r.credentials.security?.authMethod === "oauth2"
        ? r.credentials.security.oauth2Token.access_token
        : "",
    );
    expect(new Set(tokens).size).toBe(1);
    expect(await provider.accepts(tokens[0] ?? "")).toBe(true);
    expect((await read(created.id)).credentials?.version).toBe(2);
    const arn = (await read(created.id)).auth_aws_arn ?? "";
    const stored = await secretsManagerClient(h.edge.url).send(new GetSecretValueCommand({ SecretId: arn }));
    expect(JSON.parse(stored.SecretString ?? "{}").security.oauth2Token.access_token).toBe(tokens[0]);
    const reads = await json<{ data: { connection_id: string }[] }>(
      await h.request("GET", `/v1/credential-reads?connection_id=${created.id}`, { key: org.adminKey }),
    );
    expect(reads.data).toHaveLength(10);
  });
});

describe("the resolver", () => {
  it("applies the visibility rules and records only the reads it served, listable by admins", async () => {
    const created = await createPending();
    await authorizeInBrowser(created.connector_page_url ?? "");
    const member = await org.member();
    const denied = await createResolverHandler(h.services)({
      organization_id: org.id,
      user_id: member.userId,
      connection_id: created.id,
    });
    expect(denied).toEqual({
      ok: false,
      error: { code: "connection_not_found", message: expect.any(String) },
    });
    const invalid = await createResolverHandler(h.services)({ organization_id: org.id });
    expect(invalid).toMatchObject({ ok: false, error: { code: "validation_failed" } });
    expect((await resolve(created.id)).ok).toBe(true);
    const reads = await json<{ data: { user_id: string; purpose: string }[] }>(
      await h.request("GET", `/v1/credential-reads?connection_id=${created.id}`, { key: org.adminKey }),
    );
    expect(reads.data).toEqual([expect.objectContaining({ user_id: org.adminUserId, purpose: "test" })]);
    expect(JSON.stringify(reads)).not.toContain("access_token");
    await expectStatus(h.request("GET", "/v1/credential-reads", { key: member.key }), 403);
  });
});

describe("the resolver and adopted secrets, with IAM's tag condition outside the prefix as on AWS", () => {
  const ORG_TAG = "connvault:organization_id";
  const sm = () => secretsManagerClient(h.edge.url);
  const commands = (from: number, to?: number) => h.calls.slice(from, to).map((call) => call.command);

  /** A secret made outside connvault, tagged for the organization and adopted by ARN. */
  async function adopted(name: string) {
    const { ARN: arn = "" } = await sm().send(
      new CreateSecretCommand({
        Name: `byo/${org.id}/${name}`,
        SecretString: JSON.stringify({ security: { authMethod: "bearer", token: `theirs-${name}` } }),
        Tags: [{ Key: ORG_TAG, Value: org.id }],
      }),
    );
    const res = await h.request("POST", "/v1/connectors/stripe/connections", {
      key: org.adminKey,
      body: { name, auth_aws_arn: arn },
    });
    await expectStatus(res, 201);
    return { arn, id: (await json<Connection>(res)).id };
  }

  it("resolves an adopted secret tagged for the connection's organization, checking its tag first", async () => {
    const { id } = await adopted("tagged");
    const managed = await json<Connection>(
      await h.request("POST", "/v1/connectors/stripe/connections", {
        key: org.adminKey,
        body: { name: "managed", security: { authMethod: "bearer", token: "ours" } },
      }),
    );

    const from = h.calls.length;
    const result = await withTagCondition(h, () => resolve(id));
    const between = h.calls.length;
    await withTagCondition(h, () => resolve(managed.id));

    expect(result).toMatchObject({
      ok: true,
      credentials: { security: { authMethod: "bearer", token: "theirs-tagged" } },
    });
    expect(commands(from, between)).toEqual([
      "GetItemCommand",
      "DescribeSecretCommand",
      "PutItemCommand",
      "GetSecretValueCommand",
    ]);
    // A managed secret needs no DescribeSecret: GetItem + the audit PutItem + GetSecretValue.
    expect(commands(between)).toEqual(["GetItemCommand", "PutItemCommand", "GetSecretValueCommand"]);
  });

  it("refuses, without reading it, an adopted secret now tagged for another organization or untagged", async () => {
    const retagged = await adopted("retagged");
    const untagged = await adopted("untagged");
    const other = await createOrganization(h);
    await sm().send(
      new TagResourceCommand({ SecretId: retagged.arn, Tags: [{ Key: ORG_TAG, Value: other.id }] }),
    );
    await sm().send(new UntagResourceCommand({ SecretId: untagged.arn, TagKeys: [ORG_TAG] }));

    const from = h.calls.length;
    const results = await withTagCondition(h, async () => [
      await resolve(retagged.id),
      await resolve(untagged.id),
    ]);

    const refused = { ok: false, error: { code: "secret_not_adoptable", message: expect.any(String) } };
    expect(results).toEqual([refused, refused]);
    expect(commands(from)).not.toContain("GetSecretValueCommand");
  });
});

describe("a failed authorization", () => {
  it("ends on the error page when the provider refuses the code exchange", async () => {
    const wrong = await h.request("PUT", "/v1/connectors/acme-wrong-secret", {
      key: h.rootApiKey,
      body: {
        name: "Acme with a wrong secret",
        description: "The provider will refuse this client",
        auth_type: "oauth2",
        versions: [{ version: "v1", servers: [{ url: provider.issuer }], security_schema: null }],
        oauth2: {
          authorization_url: provider.authorizationUrl,
          token_url: provider.tokenUrl,
          scopes: ["openid"],
          pkce: true,
          client_id: provider.clientId,
          client_secret: "not-the-secret",
        },
      },
    });
    await expectStatus(wrong, 200);
    const res = await h.request("POST", "/v1/connectors/acme-wrong-secret/connections", {
      key: org.adminKey,
      body: { name: "x" },
    });
    const created = await json<Connection>(res);
    const done = await authorizeInBrowser(created.connector_page_url ?? "");
    await expectStatus(done, 502);
    expect(await done.text()).toContain("token endpoint answered 401");
    expect(await read(created.id)).toMatchObject({ status: "pending_authorization", auth_aws_arn: null });
  });

  it("answers a replayed state with the error page and changes nothing", async () => {
    const created = await createPending();
    const page = new URL(created.connector_page_url ?? "");
    const start = await fetch(`${server.url}${page.pathname}${page.search}`, { redirect: "manual" });
    const callback = await followToRedirect(
      start.headers.get("location") ?? "",
      `${server.url}/oauth2/callback`,
    );
    const cookie = { cookie: cookiesOf(start) };
    await expectStatus(fetch(callback, { redirect: "manual", headers: cookie }), 200);
    const after = await read(created.id);
    const replay = await fetch(callback, { redirect: "manual", headers: cookie });
    await expectStatus(replay, 400);
    expect(await replay.text()).toContain('data-outcome="error"');
    expect(await read(created.id)).toEqual(after);
  });

  it("answers a forged state or page link with the error page", async () => {
    const created = await createPending();
    const forged = await fetch(`${server.url}/oauth2/callback?state=forged&code=x`);
    await expectStatus(forged, 400);
    const page = new URL(created.connector_page_url ?? "");
    const tampered = (page.searchParams.get("state") ?? "").replace(/^./, (c) => (c === "A" ? "B" : "A"));
    const bad = await fetch(`${server.url}/oauth2/authorize?state=${encodeURIComponent(tampered)}`);
    await expectStatus(bad, 400);
    expect((await read(created.id)).status).toBe("pending_authorization");
  });

  it("ends on the error page when consent is denied, leaving the connection pending", async () => {
    const created = await createPending();
    provider.setConsent("deny");
    try {
      const done = await authorizeInBrowser(created.connector_page_url ?? "");
      await expectStatus(done, 400);
      expect(await done.text()).toContain("declined");
    } finally {
      provider.setConsent("approve");
    }
    expect(await read(created.id)).toMatchObject({ status: "pending_authorization", auth_aws_arn: null });
  });
});
