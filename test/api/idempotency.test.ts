import { DescribeSecretCommand, ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretsManagerClient } from "../helpers/aws.ts";
import { injectFault } from "../helpers/faults.ts";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const body = {
  name: "Idempotent",
  security: { authMethod: "bearer", token: "sk_idem" },
  headers: { "X-A": "1" },
};

const createWithKey = (key: string, idempotencyKey: string, payload: unknown = body) =>
  h.request("POST", "/v1/connectors/stripe/connections", {
    key,
    body: payload,
    headers: { "idempotency-key": idempotencyKey },
  });

async function connectionsOf(key: string) {
  return (
    await json<{ data: { id: string }[] }>(await h.request("GET", "/v1/connections?limit=100", { key }))
  ).data;
}

async function secretsOf(organizationId: string) {
  const listed = await secretsManagerClient(h.edge.url).send(
    new ListSecretsCommand({
      Filters: [{ Key: "name", Values: [`connvault/local/connections/${organizationId}/`] }],
    }),
  );
  return listed.SecretList ?? [];
}

describe("Idempotency-Key on connection create", () => {
  it("turns 20 concurrent identical POSTs into one connection and one secret", async () => {
    const org = await createOrganization(h);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => createWithKey(org.adminKey, "concurrent-1")),
    );
    const statuses = responses.map((r) => r.status);
    expect(
      statuses.every((s) => s === 201),
      statuses.join(","),
    ).toBe(true);
    const bodies = await Promise.all(responses.map((r) => json<{ id: string }>(r)));
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(responses.filter((r) => r.headers.get("idempotent-replayed") === "true")).toHaveLength(19);
    expect(await connectionsOf(org.adminKey)).toHaveLength(1);
    expect(await secretsOf(org.id)).toHaveLength(1);
  });

  it("replays the same response after completion, with Idempotent-Replayed", async () => {
    const org = await createOrganization(h);
    const first = await createWithKey(org.adminKey, "replay-1");
    const again = await createWithKey(org.adminKey, "replay-1");
    await expectStatus(again, 201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    expect(await again.json()).toEqual(await first.json());
  });

  it("answers 422 to the same key with another body, including other credential values", async () => {
    const org = await createOrganization(h);
    await createWithKey(org.adminKey, "reuse-1");
    for (const other of [
      { ...body, name: "Other" },
      { ...body, security: { authMethod: "bearer", token: "sk_other" } },
      { ...body, headers: { "X-A": "2" } },
    ]) {
      const res = await createWithKey(org.adminKey, "reuse-1", other);
      expect(res.status, JSON.stringify(other)).toBe(422);
      expect((await json(res)).code).toBe("idempotency_key_reused");
    }
    expect(await connectionsOf(org.adminKey)).toHaveLength(1);
    expect(await secretsOf(org.id)).toHaveLength(1);
  });

  it("scopes keys to the organization", async () => {
    const a = await createOrganization(h);
    const b = await createOrganization(h);
    const fromA = await json<{ id: string }>(await createWithKey(a.adminKey, "shared-key"));
    const fromB = await json<{ id: string }>(await createWithKey(b.adminKey, "shared-key"));
    expect(fromA.id).not.toBe(fromB.id);
  });

  it("costs CreateSecret + PutItem on first use, like a create without a key", async () => {
    const org = await createOrganization(h);
    await createWithKey(org.adminKey, "warm");
    const before = h.calls.length;
    await createWithKey(org.adminKey, "cost-1");
    expect(h.calls.slice(before).map((c) => c.command)).toEqual(["CreateSecretCommand", "PutItemCommand"]);
  });

  it.each(["", "x".repeat(256), "bad\u0001key"])(
    "answers 422 for an invalid key %#",
    async (idempotencyKey) => {
      const org = await createOrganization(h);
      const res = await h.app.request("/v1/connectors/stripe/connections", {
        method: "POST",
        headers: {
          authorization: `Bearer ${org.adminKey}`,
          "content-type": "application/json",
          "idempotency-key": idempotencyKey,
        },
        body: JSON.stringify(body),
      });
      await expectStatus(res, 422);
    },
  );
});

describe("a reused Idempotency-Key never leaves a secret that blocks the connection's credentials", () => {
  /** The review's sequence: alice creates without credentials, bob reuses her key with credentials. */
  async function reuseWithCredentials() {
    const org = await createOrganization(h);
    const alice = await org.member();
    const bob = await org.member();
    const key = `import-row-${Math.random().toString(36).slice(2)}`;
    const first = await createWithKey(alice.key, key, { name: "alice-nocreds" });
    await expectStatus(first, 201);
    const created = await json<{ id: string; status: string; auth_aws_arn: string | null }>(first);
    expect(created).toMatchObject({ status: "credentials_missing", auth_aws_arn: null });
    const planted = () =>
      createWithKey(bob.key, key, { name: "x", security: { authMethod: "bearer", token: "BOB_PLANTED" } });
    return { org, alice, created, planted };
  }

  const rotate = (key: string, id: string) =>
    h.request("PUT", `/v1/connections/${id}/credentials`, {
      key,
      body: { security: { authMethod: "bearer", token: "ALICE_REAL" } },
    });

  it("removes the secret a mismatched keyed create made, so the owner's PUT …/credentials succeeds", async () => {
    const { org, alice, created, planted } = await reuseWithCredentials();

    const reused = await planted();
    const orphans = await secretsOf(org.id);
    const rotated = await rotate(alice.key, created.id);

    await expectStatus(reused, 422);
    expect((await json(reused)).code).toBe("idempotency_key_reused");
    expect(orphans).toHaveLength(0);
    await expectStatus(rotated, 200);
    const secrets = await secretsOf(org.id);
    expect(secrets.map((secret) => secret.ARN)).toEqual([(await json(rotated)).auth_aws_arn]);
  });

  it("lets PUT …/credentials replace a left-behind secret under the connection's name, tagged for its owner", async () => {
    const { org, alice, created, planted } = await reuseWithCredentials();
    // The mismatched create's clean-up fails: the planted secret stays behind.
    const fault = injectFault(h.services.clients.secrets, { command: "DeleteSecretCommand", when: "before" });
    const reused = await planted().finally(() => fault.remove());
    await expectStatus(reused, 422);
    expect(fault.fired).toBe(1);
    expect(await secretsOf(org.id)).toHaveLength(1);

    const rotated = await rotate(alice.key, created.id);

    await expectStatus(rotated, 200);
    const arn = (await json<{ auth_aws_arn: string }>(rotated)).auth_aws_arn;
    const secret = await secretsManagerClient(h.edge.url).send(new DescribeSecretCommand({ SecretId: arn }));
    expect(secret.DeletedDate).toBeUndefined();
    expect(Object.fromEntries((secret.Tags ?? []).map((t) => [t.Key, t.Value]))).toMatchObject({
      "connvault:connection_id": created.id,
      "connvault:owner": alice.userId,
      "connvault:access_scope": "personal",
    });
  });
});

describe("Idempotency-Key on organizations and API keys", () => {
  it("replays an organization with the same admin key, which works", async () => {
    const headers = { "idempotency-key": `org-${Math.random()}` };
    const first = await h.request("POST", "/v1/organizations", {
      key: h.rootApiKey,
      body: { name: "Once" },
      headers,
    });
    const again = await h.request("POST", "/v1/organizations", {
      key: h.rootApiKey,
      body: { name: "Once" },
      headers,
    });
    await expectStatus(again, 201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const [a, b] = [await json<{ admin_api_key: { key: string } }>(first), await json(again)];
    expect(b).toEqual(a);
    await expectStatus(h.request("GET", "/v1/me", { key: a.admin_api_key.key }), 200);
    const other = await h.request("POST", "/v1/organizations", {
      key: h.rootApiKey,
      body: { name: "Twice" },
      headers,
    });
    await expectStatus(other, 422);
  });

  it("replays an API key with the same key value, and a revoked one stays revoked", async () => {
    const org = await createOrganization(h);
    const headers = { "idempotency-key": "ci-key" };
    const request = { key: org.adminKey, body: { user_id: "ci", role: "member" }, headers };
    const first = await json<{ id: string; key: string }>(await h.request("POST", "/v1/api-keys", request));
    const again = await h.request("POST", "/v1/api-keys", request);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await json(again)).toEqual(first);
    await expectStatus(h.request("DELETE", `/v1/api-keys/${first.id}`, { key: org.adminKey }), 204);
    await h.request("POST", "/v1/api-keys", request);
    await expectStatus(h.request("GET", "/v1/me", { key: first.key }), 401);
    const listed = await json<{ data: { id: string }[] }>(
      await h.request("GET", "/v1/api-keys", { key: org.adminKey }),
    );
    expect(listed.data.map((k) => k.id)).not.toContain(first.id);
  });
});
