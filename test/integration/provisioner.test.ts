import { randomBytes } from "node:crypto";
import { ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { createProvisioner } from "@connvault/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretsManagerClient } from "../helpers/aws.ts";
import { InjectedThrottling, injectFault } from "../helpers/faults.ts";
import {
  createOrganization,
  type Harness,
  json,
  startHarness,
  type TestOrganization,
} from "../helpers/harness.ts";
import { sqsRecord } from "../helpers/lambda-events.ts";

let h: Harness;
let org: TestOrganization;
beforeAll(async () => {
  h = await startHarness();
  org = await createOrganization(h);
});
afterAll(() => h.close());

const provisioner = () => createProvisioner(h.services, { messagesPerSecond: 1000 });

const createMessage = (key: string, body: Record<string, unknown>, connector = "stripe") => ({
  action: "create",
  idempotency_key: key,
  organization_id: org.id,
  actor_user_id: org.adminUserId,
  connector_id: connector,
  body,
});

const connectionsNamed = async (name: string) =>
  (
    await json<{ data: { id: string; name: string }[] }>(
      await h.request("GET", "/v1/connections?limit=100", { key: org.adminKey }),
    )
  ).data.filter((c) => c.name === name);

const failures = () => h.edge.events.events.filter((e) => e.detail_type === "connection.provisioning_failed");

describe("the provisioner", () => {
  it("turns duplicate messages into one connection and one secret", async () => {
    const message = createMessage("dup-1", { name: "dup", security: { authMethod: "bearer", token: "sk" } });
    const result = await provisioner()({
      Records: [sqsRecord(message), sqsRecord(message), sqsRecord(message)],
    });
    expect(result).toEqual({ batchItemFailures: [] });
    await provisioner()({ Records: [sqsRecord(message)] });
    const created = await connectionsNamed("dup");
    expect(created).toHaveLength(1);
    const secrets = await secretsManagerClient(h.edge.url).send(
      new ListSecretsCommand({
        Filters: [{ Key: "name", Values: [`connvault/local/connections/${org.id}/${created[0]?.id}`] }],
      }),
    );
    expect(secrets.SecretList).toHaveLength(1);
  });

  it("applies update, rotate_credentials and delete, treating a redelivered delete as done", async () => {
    const [{ id } = { id: "" }] = await connectionsNamed("dup");
    const base = { organization_id: org.id, actor_user_id: org.adminUserId, connection_id: id };
    const result = await provisioner()({
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
    expect((await provisioner()({ Records: [remove, remove] })).batchItemFailures).toEqual([]);
    expect((await h.request("GET", `/v1/connections/${id}`, { key: org.adminKey })).status).toBe(404);
  });

  it("does not retry a poison message: it publishes connection.provisioning_failed without the body", async () => {
    const canary = `canary${randomBytes(8).toString("hex")}`;
    const before = failures().length;
    const poison = [
      sqsRecord(createMessage("bad-1", { name: "", security: { authMethod: "bearer", token: canary } })),
      sqsRecord(
        createMessage(
          "bad-2",
          { name: "x", security: { authMethod: "bearer", token: canary } },
          "no-such-connector",
        ),
      ),
      sqsRecord("{not json"),
      sqsRecord({ action: "explode", token: canary }),
    ];
    const result = await provisioner()({ Records: poison });
    expect(result.batchItemFailures).toEqual([]);
    await h.edge.stream.drain();
    const published = failures().slice(before);
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

  it("returns a throttled message as a batch item failure, and its redelivery succeeds", async () => {
    const throttled = sqsRecord(
      createMessage("thr-1", { name: "throttled", security: { authMethod: "bearer", token: "sk" } }),
    );
    const fine = sqsRecord(
      createMessage("thr-2", { name: "fine", security: { authMethod: "bearer", token: "sk" } }),
    );
    const fault = injectFault(h.services.clients.secrets, {
      command: "CreateSecretCommand",
      when: "before",
      error: () => new InjectedThrottling(),
    });
    try {
      const result = await provisioner()({ Records: [throttled, fine] });
      expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: throttled.messageId }] });
    } finally {
      fault.remove();
    }
    expect((await provisioner()({ Records: [throttled] })).batchItemFailures).toEqual([]);
    expect(await connectionsNamed("throttled")).toHaveLength(1);
    expect(await connectionsNamed("fine")).toHaveLength(1);
  });

  it("answers a batch whose every message is throttled with all of them as batch item failures, not a Lambda error", async () => {
    // Prepare: a throttling episode that every message of the batch meets.
    const records = ["all-1", "all-2"].map((key) =>
      sqsRecord(createMessage(key, { name: key, security: { authMethod: "bearer", token: "sk" } })),
    );
    const fault = injectFault(h.services.clients.secrets, {
      command: "CreateSecretCommand",
      when: "before",
      times: Number.POSITIVE_INFINITY,
      error: () => new InjectedThrottling(),
    });

    // Act
    const result = await provisioner()({ Records: records }).finally(() => fault.remove());

    // Assess: SQS redelivers both, and the function reports no error (no alarm per throttling episode).
    expect(result).toEqual({ batchItemFailures: records.map((r) => ({ itemIdentifier: r.messageId })) });
  });
});
