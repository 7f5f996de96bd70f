import { randomBytes } from "node:crypto";
import { ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { createProvisionerHandler } from "@connvault/functions";
import { describe, expect } from "vitest";
import { secretsManagerClient } from "../helpers/aws.ts";
import { InjectedThrottling, injectFault } from "../helpers/faults.ts";
import { it } from "../helpers/fixtures.ts";
import { expectStatus, type Harness, json, type TestOrganization } from "../helpers/harness.ts";
import { sqsRecord } from "../helpers/lambda-events.ts";

const provisioner = (h: Harness) => createProvisionerHandler(h.services, { messagesPerSecond: 1000 });

const createMessage = (
  org: TestOrganization,
  key: string,
  body: Record<string, unknown>,
  connector = "stripe",
) => ({
  action: "create",
  idempotency_key: key,
  organization_id: org.id,
  actor_user_id: org.adminUserId,
  connector_id: connector,
  body,
});

const connectionsNamed = async (h: Harness, org: TestOrganization, name: string) =>
  (
    await json<{ data: { id: string; name: string }[] }>(
      await h.request("GET", "/v1/connections?limit=100", { key: org.adminKey }),
    )
  ).data.filter((c) => c.name === name);

const failures = (h: Harness) =>
  h.edge.events.events.filter((e) => e.detail_type === "connection.provisioning_failed");

/** The create of the connection `dup`: the first test sends it again and again, the second updates what it made. */
const dupMessage = (org: TestOrganization) =>
  createMessage(org, "dup-1", { name: "dup", security: { authMethod: "bearer", token: "sk" } });

describe("the provisioner", () => {
  it("turns duplicate messages into one connection and one secret", async ({ h, org }) => {
    const message = dupMessage(org);
    const result = await provisioner(h)({
      Records: [sqsRecord(message), sqsRecord(message), sqsRecord(message)],
    });
    expect(result).toEqual({ batchItemFailures: [] });
    await provisioner(h)({ Records: [sqsRecord(message)] });
    const created = await connectionsNamed(h, org, "dup");
    expect(created).toHaveLength(1);
    const secrets = await secretsManagerClient(h.edge.url).send(
      new ListSecretsCommand({
        Filters: [{ Key: "name", Values: [`connvault/local/connections/${org.id}/${created[0]?.id}`] }],
      }),
    );
    expect(secrets.SecretList).toHaveLength(1);
  });

  it("applies update, rotate_credentials and delete, treating a redelivered delete as done", async ({
    h,
    org,
  }) => {
    // Prepare: the connection of the duplicated create.
    await provisioner(h)({ Records: [sqsRecord(dupMessage(org))] });
    const [{ id } = { id: "" }] = await connectionsNamed(h, org, "dup");
    const base = { organization_id: org.id, actor_user_id: org.adminUserId, connection_id: id };
    const result = await provisioner(h)({
      Records: [
        sqsRecord({ ...base, action: "update", idempotency_key: "u1", body: { name: "dup-renamed" } }),
        sqsRecord({
          ...base,
          action: "rotate_credentials",
          idempotency_key: "r1",
          body: { security: { authMethod: "bearer", token: "sk2" } },
        }),
      ],
    });
    expect(result.batchItemFailures).toEqual([]);
    const read = await json(await h.request("GET", `/v1/connections/${id}`, { key: org.adminKey }));
    expect(read).toMatchObject({ name: "dup-renamed", credentials: { version: 2 } });
    const remove = sqsRecord({ ...base, action: "delete", idempotency_key: "d1" });
    expect((await provisioner(h)({ Records: [remove, remove] })).batchItemFailures).toEqual([]);
    const gone = await h.request("GET", `/v1/connections/${id}`, { key: org.adminKey });
    await expectStatus(gone, 404);
  });

  it("does not retry a poison message: it publishes connection.provisioning_failed without the body", async ({
    h,
    org,
  }) => {
    const canary = `canary${randomBytes(8).toString("hex")}`;
    const before = failures(h).length;
    const poison = [
      sqsRecord(createMessage(org, "bad-1", { name: "", security: { authMethod: "bearer", token: canary } })),
      sqsRecord(
        createMessage(
          org,
          "bad-2",
          { name: "x", security: { authMethod: "bearer", token: canary } },
          "no-such-connector",
        ),
      ),
      sqsRecord("{not json"),
      sqsRecord({ action: "explode", token: canary }),
    ];
    const result = await provisioner(h)({ Records: poison });
    expect(result.batchItemFailures).toEqual([]);
    await h.edge.stream.drain();
    const published = failures(h).slice(before);
    expect(published.map((e) => (e.detail as { error: { code: string } }).error.code)).toEqual([
      "validation_failed",
      "connector_not_found",
      "malformed_message",
      "validation_failed",
    ]);
    expect(published[0]?.detail).toMatchObject({
      organization_id: org.id,
      message: { action: "create", idempotency_key: "bad-1", connector_id: "stripe" },
      error: { errors: [expect.objectContaining({ path: "name" })] },
    });
    expect(JSON.stringify(published)).not.toContain(canary);
  });

  it("returns a throttled message as a batch item failure, and its redelivery succeeds", async ({
    h,
    org,
  }) => {
    const throttled = sqsRecord(
      createMessage(org, "thr-1", { name: "throttled", security: { authMethod: "bearer", token: "sk" } }),
    );
    const fine = sqsRecord(
      createMessage(org, "thr-2", { name: "fine", security: { authMethod: "bearer", token: "sk" } }),
    );
    const fault = injectFault(h.services.clients.secrets, {
      command: "CreateSecretCommand",
      when: "before",
      error: () => new InjectedThrottling(),
    });
    try {
      const result = await provisioner(h)({ Records: [throttled, fine] });
      expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: throttled.messageId }] });
    } finally {
      fault.remove();
    }
    expect((await provisioner(h)({ Records: [throttled] })).batchItemFailures).toEqual([]);
    expect(await connectionsNamed(h, org, "throttled")).toHaveLength(1);
    expect(await connectionsNamed(h, org, "fine")).toHaveLength(1);
  });

  it("answers a batch whose every message is throttled with all of them as batch item failures, not a Lambda error", async ({
    h,
    org,
  }) => {
    // Prepare: a throttling episode that every message of the batch meets.
    const records = ["all-1", "all-2"].map((key) =>
      sqsRecord(createMessage(org, key, { name: key, security: { authMethod: "bearer", token: "sk" } })),
    );
    const fault = injectFault(h.services.clients.secrets, {
      command: "CreateSecretCommand",
      when: "before",
      times: Number.POSITIVE_INFINITY,
      error: () => new InjectedThrottling(),
    });

    // Act
    const result = await provisioner(h)({ Records: records }).finally(() => fault.remove());

    // Assess: SQS redelivers both, and the function reports no error (no alarm per throttling episode).
    expect(result).toEqual({ batchItemFailures: records.map((r) => ({ itemIdentifier: r.messageId })) });
  });
});
