import { DescribeSecretCommand, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { describe, expect } from "vitest";
import { secretsManagerClient } from "../helpers/aws.ts";
import { it } from "../helpers/fixtures.ts";
import { configureOAuthClient, expectStatus, type Harness, json } from "../helpers/harness.ts";

type Connection = {
  id: string;
  etag: string;
  status: string;
  auth_aws_arn: string | null;
  header_names: string[];
  credentials: { version: number; auth_method: string | null; managed: boolean } | null;
};

const rotate = (h: Harness, key: string, id: string, body: unknown, headers: Record<string, string> = {}) =>
  h.request("PUT", `/v1/connections/${id}/credentials`, { key, body, headers });

describe("PUT /v1/connections/{id}/credentials", () => {
  it("writes a new AWSCURRENT version of the same secret and keeps the old one as AWSPREVIOUS", async ({
    h,
    org,
  }) => {
    const created = await json<Connection>(
      await h.request("POST", "/v1/connectors/stripe/connections", {
        key: org.adminKey,
        body: {
          name: "s",
          security: { authMethod: "bearer", token: "old-token" },
          headers: { "X-Old": "1" },
        },
      }),
    );
    const res = await rotate(h, org.adminKey, created.id, {
      security: { authMethod: "bearer", token: "new-token" },
      headers: { "X-New": "2" },
    });
    await expectStatus(res, 200);
    const rotated = await json<Connection>(res);
    expect(rotated).toMatchObject({
      id: created.id,
      auth_aws_arn: created.auth_aws_arn,
      header_names: ["X-New"],
      credentials: { version: 2, auth_method: "bearer", managed: true },
    });

    const sm = secretsManagerClient(h.edge.url);
    const arn = created.auth_aws_arn ?? "";
    const current = await sm.send(new GetSecretValueCommand({ SecretId: arn }));
    const previous = await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: "AWSPREVIOUS" }));
    expect(JSON.parse(current.SecretString ?? "")).toEqual({
      security: { authMethod: "bearer", token: "new-token" },
      headers: { "X-New": "2" },
    });
    expect(JSON.parse(previous.SecretString ?? "")).toMatchObject({ security: { token: "old-token" } });
    const described = await sm.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(
      Object.values(described.VersionIdsToStages ?? {})
        .flat()
        .sort(),
    ).toEqual(["AWSCURRENT", "AWSPREVIOUS"]);
  });

  it("answers 412 to a retry pinned to the old ETag and writes no further version", async ({ h, org }) => {
    const created = await json<Connection>(
      await h.request("POST", "/v1/connectors/stripe/connections", {
        key: org.adminKey,
        body: { name: "s", security: { authMethod: "bearer", token: "a" } },
      }),
    );
    const body = { security: { authMethod: "bearer", token: "b" } };
    const first = await json<Connection>(
      await rotate(h, org.adminKey, created.id, body, { "if-match": created.etag }),
    );
    const again = await rotate(h, org.adminKey, created.id, body, { "if-match": created.etag });
    await expectStatus(again, 412);
    expect(first.credentials?.version).toBe(2);
    const described = await secretsManagerClient(h.edge.url).send(
      new DescribeSecretCommand({ SecretId: created.auth_aws_arn ?? "" }),
    );
    expect(Object.keys(described.VersionIdsToStages ?? {})).toHaveLength(2);
  });

  it("treats a repeated identical rotation as done, keeping the old credentials in AWSPREVIOUS", async ({
    h,
    org,
  }) => {
    const created = await json<Connection>(
      await h.request("POST", "/v1/connectors/stripe/connections", {
        key: org.adminKey,
        body: { name: "s", security: { authMethod: "bearer", token: "first" } },
      }),
    );
    const body = { security: { authMethod: "bearer", token: "second" } };
    const once = await json<Connection>(await rotate(h, org.adminKey, created.id, body));
    const twice = await json<Connection>(await rotate(h, org.adminKey, created.id, body));
    expect(twice).toEqual(once);
    const previous = await secretsManagerClient(h.edge.url).send(
      new GetSecretValueCommand({ SecretId: created.auth_aws_arn ?? "", VersionStage: "AWSPREVIOUS" }),
    );
    expect(JSON.parse(previous.SecretString ?? "")).toMatchObject({ security: { token: "first" } });
  });

  it("creates the secret for a connection that had none, and the status follows", async ({ h, org }) => {
    const created = await json<Connection>(
      await h.request("POST", "/v1/connectors/datadog/connections", {
        key: org.adminKey,
        body: { name: "dd" },
      }),
    );
    expect(created).toMatchObject({ status: "credentials_missing", auth_aws_arn: null, credentials: null });
    const rotated = await json<Connection>(
      await rotate(h, org.adminKey, created.id, {
        security: { authMethod: "apiKey", apiKey: "k", headerName: "DD-API-KEY" },
      }),
    );
    expect(rotated).toMatchObject({ status: "active", credentials: { version: 1, auth_method: "apiKey" } });
    expect(rotated.auth_aws_arn).toMatch(new RegExp(`connections/${org.id}/${created.id}-`));
  });

  it("stores an OAuth2 token for a pending connection, which becomes active", async ({ h, org }) => {
    await configureOAuthClient(h, "slack");
    const created = await json<Connection>(
      await h.request("POST", "/v1/connectors/slack/connections", {
        key: org.adminKey,
        body: { name: "slack" },
      }),
    );
    expect(created.status).toBe("pending_authorization");
    const rotated = await json<Connection & { oauth2_required: boolean }>(
      await rotate(h, org.adminKey, created.id, {
        security: { authMethod: "oauth2", oauth2Token: { access_token: "xoxb" } },
      }),
    );
    expect(rotated).toMatchObject({ status: "active", oauth2_required: false });
  });

  it("answers 422 for an empty body or an authMethod that does not fit, and 412 for a stale If-Match", async ({
    h,
    org,
  }) => {
    const created = await json<Connection>(
      await h.request("POST", "/v1/connectors/stripe/connections", {
        key: org.adminKey,
        body: { name: "s", security: { authMethod: "bearer", token: "a" } },
      }),
    );
    const empty = await rotate(h, org.adminKey, created.id, {});
    await expectStatus(empty, 422);
    const wrong = await rotate(h, org.adminKey, created.id, {
      security: { authMethod: "basic", username: "u", password: "p" },
    });
    await expectStatus(wrong, 422);
    const stale = await rotate(
      h,
      org.adminKey,
      created.id,
      { security: { authMethod: "bearer", token: "b" } },
      { "if-match": '"7"' },
    );
    await expectStatus(stale, 412);
  });
});
