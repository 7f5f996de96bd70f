import { CreateSecretCommand, DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretsManagerClient } from "../helpers/aws.ts";
import { injectFault } from "../helpers/faults.ts";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";
import { withTagCondition } from "../helpers/iam.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const sm = () => secretsManagerClient(h.edge.url);

async function externalSecret(name: string, organizationId?: string) {
  const created = await sm().send(
    new CreateSecretCommand({
      Name: name,
      SecretString: '{"token":"theirs"}',
      ...(organizationId ? { Tags: [{ Key: "connvault:organization_id", Value: organizationId }] } : {}),
    }),
  );
  return created.ARN ?? "";
}

const adopt = (key: string, arn: string) =>
  h.request("POST", "/v1/connectors/stripe/connections", {
    key,
    body: { name: "adopted", auth_aws_arn: arn },
  });

describe("adopting an existing secret with auth_aws_arn", () => {
  it("points the connection at the secret, unmanaged, with DescribeSecret + the claim's PutItem + the record's PutItem", async () => {
    const org = await createOrganization(h);
    const arn = await externalSecret(`byo/${org.id}/stripe`, org.id);
    await adopt(org.adminKey, await externalSecret(`byo/${org.id}/warm`, org.id)); // warms the caches
    const before = h.calls.length;
    const res = await adopt(org.adminKey, arn);
    await expectStatus(res, 201);
    expect(await json(res)).toMatchObject({
      auth_aws_arn: arn,
      status: "active",
      credentials: { managed: false, auth_method: null, version: 1 },
    });
    expect(h.calls.slice(before).map((c) => c.command)).toEqual([
      "DescribeSecretCommand",
      "PutItemCommand",
      "PutItemCommand",
    ]);
  });

  it("answers 422 for a secret that does not exist or is scheduled for deletion", async () => {
    const org = await createOrganization(h);
    const missing = `arn:aws:secretsmanager:us-east-1:000000000000:secret:byo/${org.id}/none-abcdef`;
    await expectStatus(adopt(org.adminKey, missing), 422);
    const arn = await externalSecret(`byo/${org.id}/gone`, org.id);
    await sm().send(new DeleteSecretCommand({ SecretId: arn, RecoveryWindowInDays: 7 }));
    const res = await adopt(org.adminKey, arn);
    await expectStatus(res, 422);
    expect((await json<{ errors: { path: string }[] }>(res)).errors[0]?.path).toBe("auth_aws_arn");
  });

  it("refuses a secret not tagged for the caller's organization", async () => {
    const org = await createOrganization(h);
    const other = await createOrganization(h);
    await expectStatus(adopt(org.adminKey, await externalSecret(`byo/${org.id}/untagged`)), 422);
    await expectStatus(adopt(org.adminKey, await externalSecret(`byo/${org.id}/foreign`, other.id)), 422);
  });

  it("refuses another connection's managed secret, even in the same organization", async () => {
    const org = await createOrganization(h);
    const managed = await json<{ auth_aws_arn: string }>(
      await h.request("POST", "/v1/connectors/stripe/connections", {
        key: org.adminKey,
        body: { name: "m", security: { authMethod: "bearer", token: "t" } },
      }),
    );
    const res = await adopt(org.adminKey, managed.auth_aws_arn);
    await expectStatus(res, 422);
    expect((await json<{ errors: { code: string }[] }>(res)).errors[0]?.code).toBe("secret_managed");
  });

  it("answers 422 for auth_aws_arn together with credentials, and 409 when rotating an adopted secret", async () => {
    const org = await createOrganization(h);
    const arn = await externalSecret(`byo/${org.id}/both`, org.id);
    const both = await h.request("POST", "/v1/connectors/stripe/connections", {
      key: org.adminKey,
      body: { name: "x", auth_aws_arn: arn, security: { authMethod: "bearer", token: "t" } },
    });
    await expectStatus(both, 422);
    const created = await json<{ id: string }>(await adopt(org.adminKey, arn));
    const rotate = await h.request("PUT", `/v1/connections/${created.id}/credentials`, {
      key: org.adminKey,
      body: { security: { authMethod: "bearer", token: "t2" } },
    });
    await expectStatus(rotate, 409);
    expect((await json(rotate)).code).toBe("secret_not_managed");
  });
});

describe("an adopted secret belongs to one connection", () => {
  const code = async (res: Response) => (await json<{ errors?: { code: string }[] }>(res)).errors?.[0]?.code;

  it("refuses a second adoption of the same secret, by full or partial ARN, on /v1 and on /unified", async () => {
    const org = await createOrganization(h);
    const arn = await externalSecret(`byo/${org.id}/once`, org.id);
    const partial = arn.slice(0, -7); // without the "-XXXXXX" suffix Secrets Manager appends

    const first = await adopt(org.adminKey, arn);
    const before = h.calls.length;
    const again = await adopt(org.adminKey, arn);
    // The read of the claim that decides whether it may be taken over is strongly consistent.
    const claimReads = h.calls
      .slice(before)
      .filter((c) => c.command === "GetItemCommand")
      .map((c) => c.input as { Key: { sk: { S: string } }; ConsistentRead?: boolean })
      .filter((input) => input.Key.sk.S.startsWith("ADOPTED#"));
    expect(claimReads.length).toBeGreaterThan(0);
    expect(claimReads.every((input) => input.ConsistentRead === true)).toBe(true);
    const byPartial = await adopt(org.adminKey, partial);
    const unified = await h.request("POST", "/unified/connection", {
      key: org.adminKey,
      body: { integration_type: "stripe", permissions: [], categories: [], auth_aws_arn: arn },
    });

    await expectStatus(first, 201);
    for (const res of [again, byPartial, unified]) {
      await expectStatus(res, 422);
      expect(await code(res)).toBe("secret_already_adopted");
    }
  });

  it("answers 403 when a member adopts, so no one re-points the organization's secret at their own server", async () => {
    const org = await createOrganization(h);
    const bob = await org.member();
    const arn = await externalSecret(`byo/${org.id}/org-only`, org.id);
    const before = h.calls.length;

    const res = await h.request("POST", "/v1/connectors/stripe/connections", {
      key: bob.key,
      body: { name: "mine", auth_aws_arn: arn, target_system_servers: [{ url: "https://evil.example" }] },
    });

    await expectStatus(res, 403);
    expect(h.calls.slice(before).map((c) => c.command)).not.toContain("DescribeSecretCommand");
  });

  it("frees the secret for a new adoption once its connection is deleted", async () => {
    const org = await createOrganization(h);
    const arn = await externalSecret(`byo/${org.id}/freed`, org.id);
    const first = await json<{ id: string }>(await adopt(org.adminKey, arn));

    const deleted = await h.request("DELETE", `/v1/connections/${first.id}`, { key: org.adminKey });
    const again = await adopt(org.adminKey, arn);

    await expectStatus(deleted, 204);
    await expectStatus(again, 201);
  });

  it("releases the claim when the record write fails, so a retry can adopt the secret", async () => {
    const org = await createOrganization(h);
    const arn = await externalSecret(`byo/${org.id}/retry`, org.id);
    // The first PutItem is the claim, the second the record.
    const fault = injectFault(h.services.clients.dynamo, {
      command: "PutItemCommand",
      when: "before",
      nth: 2,
    });
    const failed = await adopt(org.adminKey, arn).finally(() => fault.remove());

    const retried = await adopt(org.adminKey, arn);

    expect(fault.fired).toBe(1);
    await expectStatus(failed, 503);
    await expectStatus(retried, 201);
  });

  it("frees the secret when the reconciler finds it gone and the connection stops pointing at it", async () => {
    const org = await createOrganization(h);
    const arn = await externalSecret(`byo/${org.id}/reconciled`, org.id);
    const first = await json<{ id: string }>(await adopt(org.adminKey, arn));

    await h.services.connections.markCredentialsMissing(org.id, first.id, "secret untagged", arn);
    const again = await adopt(org.adminKey, arn);

    await expectStatus(again, 201);
  });
});

describe("adopting on AWS, where IAM lets connvault describe only tagged secrets outside its prefix", () => {
  const problem = async (res: Response) => json<{ errors: { path: string; code: string }[] }>(res);

  it("answers 422 secret_not_tagged, not 500, for an untagged secret, and still adopts a tagged one", async () => {
    const org = await createOrganization(h);
    const untagged = await externalSecret(`byo/${org.id}/aws-untagged`);
    const tagged = await externalSecret(`byo/${org.id}/aws-tagged`, org.id);

    const refused = await withTagCondition(h, () => adopt(org.adminKey, untagged));
    const adopted = await withTagCondition(h, () => adopt(org.adminKey, tagged));

    await expectStatus(refused, 422);
    expect((await problem(refused)).errors[0]).toMatchObject({
      path: "auth_aws_arn",
      code: "secret_not_tagged",
    });
    await expectStatus(adopted, 201);
  });

  it("answers 422 for an ARN that does not exist", async () => {
    const org = await createOrganization(h);
    const missing = `arn:aws:secretsmanager:us-east-1:000000000000:secret:byo/${org.id}/aws-none-abcdef`;

    const res = await withTagCondition(h, () => adopt(org.adminKey, missing));

    await expectStatus(res, 422);
    expect((await problem(res)).errors[0]?.path).toBe("auth_aws_arn");
  });
});

describe('unified.to\'s auth_aws_arn, an "ARN / secretID"', () => {
  it("adopts a secret by its name, answers its full ARN, and accepts the same name on PATCH", async () => {
    // Prepare
    const org = await createOrganization(h);
    const name = `byo/${org.id}/by-name`;
    const arn = await externalSecret(name, org.id);

    // Act
    const created = await h.request("POST", "/unified/connection", {
      key: org.adminKey,
      body: { integration_type: "stripe", permissions: [], categories: [], auth_aws_arn: name },
    });

    // Assess
    await expectStatus(created, 200);
    const { id, auth_aws_arn } = await json<{ id: string; auth_aws_arn: string }>(created);
    expect(auth_aws_arn).toBe(arn);
    for (const given of [name, arn, arn.slice(0, -7)]) {
      const patched = await h.request("PATCH", `/unified/connection/${id}`, {
        key: org.adminKey,
        body: { auth_aws_arn: given, is_paused: false },
      });
      expect(patched.status, `${given}: ${await patched.clone().text()}`).toBe(200);
    }
    const other = await h.request("PATCH", `/unified/connection/${id}`, {
      key: org.adminKey,
      body: { auth_aws_arn: `byo/${org.id}/another` },
    });
    await expectStatus(other, 422);
    expect((await json<{ errors: { code: string }[] }>(other)).errors[0]?.code).toBe("immutable");
  });

  it("refuses a name that is not a secret name with 422", async () => {
    const org = await createOrganization(h);
    const res = await h.request("POST", "/unified/connection", {
      key: org.adminKey,
      body: { integration_type: "stripe", permissions: [], categories: [], auth_aws_arn: "not a name!" },
    });
    await expectStatus(res, 422);
  });
});
