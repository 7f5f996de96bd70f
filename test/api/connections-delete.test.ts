import { DeleteItemCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-secrets-manager";
import { marshall } from "@aws-sdk/util-dynamodb";
import { keys } from "@connvault/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoClient, secretsManagerClient } from "../helpers/aws.ts";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

type Connection = { id: string; auth_aws_arn: string };

const expectSecretGone = (secretId: string) =>
  expect(sm().send(new DescribeSecretCommand({ SecretId: secretId }))).rejects.toBeInstanceOf(
    ResourceNotFoundException,
  );

/** A Stripe connection with a bearer token, made with `key`; `fields` adds to or overrides the body. */
async function createStripe(key: string, fields: Record<string, unknown> = {}) {
  const res = await h.request("POST", "/v1/connectors/stripe/connections", {
    key,
    body: { name: "s", security: { authMethod: "bearer", token: "sk" }, ...fields },
  });
  await expectStatus(res, 201);
  return json<Connection>(res);
}

const sm = () => secretsManagerClient(h.edge.url);

/** What an attempt that failed right after DeleteItem leaves: the secret without its record. */
async function removeRecordOnly(organizationId: string, id: string) {
  await dynamoClient(h.edge.url).send(
    new DeleteItemCommand({
      TableName: "connvault-test",
      Key: marshall(keys.connection(organizationId, id)),
    }),
  );
}

/** An organization, a member alice, and an organizational connection an admin made for her. */
async function aliceOwnsAnOrganizationalConnection() {
  const org = await createOrganization(h);
  const alice = await org.member();
  const created = await createStripe(org.adminKey, { owner: alice.userId, access_scope: "organizational" });
  return { org, alice, created };
}

describe("DELETE /v1/connections/{id}", () => {
  it("deletes the record and schedules the secret with a 7-day recovery window", async () => {
    const org = await createOrganization(h);
    const created = await createStripe(org.adminKey);
    const res = await h.request("DELETE", `/v1/connections/${created.id}`, { key: org.adminKey });
    await expectStatus(res, 204);
    await expectStatus(h.request("GET", `/v1/connections/${created.id}`, { key: org.adminKey }), 404);
    const secret = await sm().send(new DescribeSecretCommand({ SecretId: created.auth_aws_arn }));
    expect(secret.DeletedDate).toBeInstanceOf(Date);
    const deleteCall = h.calls.filter((c) => c.command === "DeleteSecretCommand").at(-1);
    expect(deleteCall?.input).toMatchObject({ SecretId: created.auth_aws_arn, RecoveryWindowInDays: 7 });
  });

  it("removes the secret at once with force=true", async () => {
    const org = await createOrganization(h);
    const created = await createStripe(org.adminKey);
    expect(
      (await h.request("DELETE", `/v1/connections/${created.id}?force=true`, { key: org.adminKey })).status,
    ).toBe(204);
    await expectSecretGone(created.auth_aws_arn);
  });

  it("answers 404 the second time", async () => {
    const org = await createOrganization(h);
    const created = await createStripe(org.adminKey);
    await expectStatus(h.request("DELETE", `/v1/connections/${created.id}`, { key: org.adminKey }), 204);
    await expectStatus(h.request("DELETE", `/v1/connections/${created.id}`, { key: org.adminKey }), 404);
  });

  it("finishes an interrupted delete: a retry removes the secret its record left behind", async () => {
    const org = await createOrganization(h);
    const created = await createStripe(org.adminKey);
    // Prepare: remove only the record, as an attempt that failed right after DeleteItem would have.
    await dynamoClient(h.edge.url).send(
      new DeleteItemCommand({
        TableName: "connvault-test",
        Key: marshall(keys.connection(org.id, created.id)),
      }),
    );
    const res = await h.request("DELETE", `/v1/connections/${created.id}`, { key: org.adminKey });
    await expectStatus(res, 204);
    const secret = await sm().send(new DescribeSecretCommand({ SecretId: created.auth_aws_arn }));
    expect(secret.DeletedDate).toBeInstanceOf(Date);
    await expectStatus(h.request("DELETE", `/v1/connections/${created.id}`, { key: org.adminKey }), 404);
  });

  it("answers 404 to a member who force-deletes the secret of an organizational connection an admin deleted", async () => {
    const org = await createOrganization(h);
    const bob = await org.member();
    const created = await createStripe(org.adminKey, { access_scope: "organizational" });
    await expectStatus(h.request("DELETE", `/v1/connections/${created.id}`, { key: org.adminKey }), 204);

    const res = await h.request("DELETE", `/v1/connections/${created.id}?force=true`, { key: bob.key });

    await expectStatus(res, 404);
    const secret = await sm().send(new DescribeSecretCommand({ SecretId: created.auth_aws_arn }));
    expect(secret.DeletedDate).toBeInstanceOf(Date); // still scheduled, so still recoverable
  });

  it("answers 404 to a member who finishes the interrupted delete of a connection they could not delete", async () => {
    const org = await createOrganization(h);
    const bob = await org.member();
    const alice = await org.member();
    const organizational = await createStripe(org.adminKey, { access_scope: "organizational" });
    const personal = await createStripe(alice.key);
    for (const { id } of [organizational, personal]) await removeRecordOnly(org.id, id);

    for (const { id, auth_aws_arn } of [organizational, personal]) {
      const res = await h.request("DELETE", `/v1/connections/${id}?force=true`, { key: bob.key });
      await expectStatus(res, 404);
      const secret = await sm().send(new DescribeSecretCommand({ SecretId: auth_aws_arn }));
      expect(secret.DeletedDate).toBeUndefined();
    }
  });

  it("keeps the secret's tags in step with a PATCHed access scope, so they still prove who may finish a delete", async () => {
    // Prepare: an organizational connection alice owns, which she makes personal; its record is then lost.
    const { org, alice, created } = await aliceOwnsAnOrganizationalConnection();
    const patched = await h.request("PATCH", `/v1/connections/${created.id}`, {
      key: alice.key,
      body: { access_scope: "personal" },
    });
    await expectStatus(patched, 200);
    const { Tags } = await sm().send(new DescribeSecretCommand({ SecretId: created.auth_aws_arn }));
    expect(Tags).toContainEqual({ Key: "connvault:access_scope", Value: "personal" });
    await removeRecordOnly(org.id, created.id);

    // Act: an admin could delete it while it was organizational, but not now that it is alice's own.
    const res = await h.request("DELETE", `/v1/connections/${created.id}?force=true`, { key: org.adminKey });

    // Assess
    await expectStatus(res, 404);
    const secret = await sm().send(new DescribeSecretCommand({ SecretId: created.auth_aws_arn }));
    expect(secret.DeletedDate).toBeUndefined();
  });

  it("lets an admin finish the interrupted delete of an organizational connection someone else owns", async () => {
    const { org, created } = await aliceOwnsAnOrganizationalConnection();
    await removeRecordOnly(org.id, created.id);

    const res = await h.request("DELETE", `/v1/connections/${created.id}?force=true`, { key: org.adminKey });

    await expectStatus(res, 204);
    await expectSecretGone(created.auth_aws_arn);
  });

  it("never turns a scheduled deletion into a forced one, not even for the deleter", async () => {
    const org = await createOrganization(h);
    const created = await createStripe(org.adminKey);
    await expectStatus(h.request("DELETE", `/v1/connections/${created.id}`, { key: org.adminKey }), 204);

    const res = await h.request("DELETE", `/v1/connections/${created.id}?force=true`, { key: org.adminKey });

    await expectStatus(res, 404);
    const secret = await sm().send(new DescribeSecretCommand({ SecretId: created.auth_aws_arn }));
    expect(secret.DeletedDate).toBeInstanceOf(Date);
  });

  it("never touches an adopted secret", async () => {
    const org = await createOrganization(h);
    const adopted = await sm().send(
      new CreateSecretCommand({
        Name: `team/external/${org.id}`,
        SecretString: '{"token":"mine"}',
        Tags: [{ Key: "connvault:organization_id", Value: org.id }],
      }),
    );
    const created = await json<Connection>(
      await h.request("POST", "/v1/connectors/stripe/connections", {
        key: org.adminKey,
        body: { name: "adopted", auth_aws_arn: adopted.ARN },
      }),
    );
    expect(
      (await h.request("DELETE", `/v1/connections/${created.id}?force=true`, { key: org.adminKey })).status,
    ).toBe(204);
    const value = await sm().send(new GetSecretValueCommand({ SecretId: adopted.ARN }));
    expect(value.SecretString).toBe('{"token":"mine"}');
  });

  it("answers 422 for a force value that is not true or false", async () => {
    const org = await createOrganization(h);
    const created = await createStripe(org.adminKey);
    expect(
      (await h.request("DELETE", `/v1/connections/${created.id}?force=yes`, { key: org.adminKey })).status,
    ).toBe(422);
  });
});
