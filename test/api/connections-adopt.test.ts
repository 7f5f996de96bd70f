import { CreateSecretCommand, DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretsManagerClient } from "../helpers/aws.ts";
import { createOrganization, type Harness, json, startHarness } from "../helpers/harness.ts";
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
  it("points the connection at the secret, unmanaged, with DescribeSecret + PutItem only", async () => {
    const org = await createOrganization(h);
    const arn = await externalSecret(`byo/${org.id}/stripe`, org.id);
    await adopt(org.adminKey, await externalSecret(`byo/${org.id}/warm`, org.id)); // warms the caches
    const before = h.calls.length;
    const res = await adopt(org.adminKey, arn);
    expect(res.status, await res.clone().text()).toBe(201);
    expect(await json(res)).toMatchObject({
      auth_aws_arn: arn,
      status: "active",
      credentials: { managed: false, auth_method: null, version: 1 },
    });
    expect(h.calls.slice(before).map((c) => c.command)).toEqual(["DescribeSecretCommand", "PutItemCommand"]);
  });

  it("answers 422 for a secret that does not exist or is scheduled for deletion", async () => {
    const org = await createOrganization(h);
    const missing = `arn:aws:secretsmanager:us-east-1:000000000000:secret:byo/${org.id}/none-abcdef`;
    expect((await adopt(org.adminKey, missing)).status).toBe(422);
    const arn = await externalSecret(`byo/${org.id}/gone`, org.id);
    await sm().send(new DeleteSecretCommand({ SecretId: arn, RecoveryWindowInDays: 7 }));
    const res = await adopt(org.adminKey, arn);
    expect(res.status).toBe(422);
    expect((await json<{ errors: { path: string }[] }>(res)).errors[0]?.path).toBe("auth_aws_arn");
  });

  it("refuses a secret not tagged for the caller's organization", async () => {
    const org = await createOrganization(h);
    const other = await createOrganization(h);
    expect((await adopt(org.adminKey, await externalSecret(`byo/${org.id}/untagged`))).status).toBe(422);
    expect((await adopt(org.adminKey, await externalSecret(`byo/${org.id}/foreign`, other.id))).status).toBe(
      422,
    );
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
    expect(res.status).toBe(422);
    expect((await json<{ errors: { code: string }[] }>(res)).errors[0]?.code).toBe("secret_managed");
  });

  it("answers 422 for auth_aws_arn together with credentials, and 409 when rotating an adopted secret", async () => {
    const org = await createOrganization(h);
    const arn = await externalSecret(`byo/${org.id}/both`, org.id);
    const both = await h.request("POST", "/v1/connectors/stripe/connections", {
      key: org.adminKey,
      body: { name: "x", auth_aws_arn: arn, security: { authMethod: "bearer", token: "t" } },
    });
    expect(both.status).toBe(422);
    const created = await json<{ id: string }>(await adopt(org.adminKey, arn));
    const rotate = await h.request("PUT", `/v1/connections/${created.id}/credentials`, {
      key: org.adminKey,
      body: { security: { authMethod: "bearer", token: "t2" } },
    });
    expect(rotate.status).toBe(409);
    expect((await json(rotate)).code).toBe("secret_not_managed");
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

    expect(refused.status, await refused.clone().text()).toBe(422);
    expect((await problem(refused)).errors[0]).toMatchObject({
      path: "auth_aws_arn",
      code: "secret_not_tagged",
    });
    expect(adopted.status, await adopted.clone().text()).toBe(201);
  });

  it("answers 422 for an ARN that does not exist", async () => {
    const org = await createOrganization(h);
    const missing = `arn:aws:secretsmanager:us-east-1:000000000000:secret:byo/${org.id}/aws-none-abcdef`;

    const res = await withTagCondition(h, () => adopt(org.adminKey, missing));

    expect(res.status, await res.clone().text()).toBe(422);
    expect((await problem(res)).errors[0]?.path).toBe("auth_aws_arn");
  });
});
