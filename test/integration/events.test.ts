import { randomBytes, randomUUID } from "node:crypto";
import { CreateQueueCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { deterministicId } from "@connvault/core";
import { createEventsHandler } from "@connvault/functions";
import type { DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeDeadLetter, SqsDeadLetterQueue } from "../../packages/functions/src/events/dead-letters.ts";
import { injectFault } from "../helpers/faults.ts";
import {
  configureOAuthClient,
  createOrganization,
  type Harness,
  json,
  startHarness,
} from "../helpers/harness.ts";
import { receiveAll, sqsClient } from "../helpers/sqs.ts";
import { connectionItem, streamRecord } from "../helpers/stream-records.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await configureOAuthClient(h, "slack");
});
afterAll(() => h.close());

const eventsOf = async (connectionId: string) => {
  await h.edge.stream.drain();
  return h.edge.events.events.filter(
    (e) => (e.detail as { connection?: { id?: string } }).connection?.id === connectionId,
  );
};

describe("lifecycle events from the table's stream", () => {
  it("publish one event per change with the public connection and the actor, never a credential", async () => {
    const canary = `canary${randomBytes(8).toString("hex")}`;
    const org = await createOrganization(h);
    const created = await json<{ id: string }>(
      await h.request("POST", "/v1/connectors/stripe/connections", {
        key: org.adminKey,
        body: { name: "s", security: { authMethod: "bearer", token: canary }, headers: { "X-C": canary } },
      }),
    );
    const base = `/v1/connections/${created.id}`;
    await h.request("PATCH", base, { key: org.adminKey, body: { name: "renamed" } });
    await h.request("PUT", `${base}/credentials`, {
      key: org.adminKey,
      body: { security: { authMethod: "bearer", token: `${canary}2` } },
    });
    await h.request("POST", `${base}/health`, { key: org.adminKey, body: { healthy: false, reason: "401" } });
    await h.request("POST", `${base}/health`, {
      key: org.adminKey,
      body: { healthy: false, reason: "401 again" },
    });
    await h.request("DELETE", base, { key: org.adminKey });

    const events = await eventsOf(created.id);
    expect(events.map((e) => e.detail_type)).toEqual([
      "connection.created",
      "connection.updated",
      "connection.credentials_rotated",
      "connection.health_changed",
      "connection.deleted",
    ]);
    for (const event of events) {
      expect(event).toMatchObject({ source: "connvault", event_bus_name: "connvault" });
      expect(event.detail).toMatchObject({
        event_id: expect.stringMatching(/^evt_/),
        occurred_at: expect.any(String),
        organization_id: org.id,
        connection: { id: created.id, object: "connection" },
      });
    }
    expect(events[1]?.detail).toMatchObject({
      actor: { type: "user", id: org.adminUserId },
      connection: { name: "renamed" },
    });
    expect(events[2]?.detail).toMatchObject({ connection: { credentials: { version: 2 } } });
    expect(events[3]?.detail).toMatchObject({ connection: { status: "unhealthy", health_reason: "401" } });
    expect(events[4]?.detail).toMatchObject({ actor: null });
    expect(JSON.stringify(events)).not.toContain(canary);
  });
});

describe("lifecycle events of an OAuth2 connection", () => {
  it("never carry a connector_page_url, even while the connection waits for authorization", async () => {
    const org = await createOrganization(h);
    const created = await json<{ id: string; connector_page_url: string | null }>(
      await h.request("POST", "/v1/connectors/slack/connections", {
        key: org.adminKey,
        body: { name: "Slack", access_scope: "organizational" },
      }),
    );
    expect(created.connector_page_url).toEqual(expect.any(String));

    const events = await eventsOf(created.id);

    expect(events.map((e) => e.detail)).toEqual([
      expect.objectContaining({
        connection: expect.objectContaining({ oauth2_required: true, connector_page_url: null }),
      }),
    ]);
    expect(JSON.stringify(events)).not.toContain("/oauth2/authorize");
  });
});

describe("the events function when a record cannot be published", () => {
  const dlq = async () => {
    const sqs = sqsClient(h.edge.url);
    const { QueueUrl = "" } = await sqs.send(
      new CreateQueueCommand({ QueueName: `events-dlq-${randomUUID()}` }),
    );
    return { sqs, url: QueueUrl, deadLetters: new SqsDeadLetterQueue(sqs, QueueUrl) };
  };
  const deadLettersIn = async (queue: { sqs: SQSClient; url: string }) =>
    (await receiveAll(queue.sqs, queue.url)).map((m) => decodeDeadLetter(m.Body ?? ""));
  const publishedIds = (from: number) =>
    h.edge.events.events.slice(from).map((e) => (e.detail as { event_id: string }).event_id);
  const eventIdOf = (record: DynamoDBRecord) =>
    deterministicId("evt", record.eventID ?? "", record.dynamodb?.SequenceNumber ?? "");

  it("sends a record whose item does not parse as a connection whole to the DLQ, and the batch succeeds", async () => {
    // Prepare: the middle record's item is one a newer schema wrote (a field this code cannot read).
    const item = await connectionItem(h);
    const queue = await dlq();
    const poison = streamRecord("200", { newImage: { ...item, status: { S: "from_the_future" } } });
    const records = [
      streamRecord("100", { newImage: item }),
      poison,
      streamRecord("300", { newImage: item }),
    ];
    const before = h.edge.events.events.length;

    // Act
    const result = await createEventsHandler(h.services, { deadLetters: queue.deadLetters })({
      Records: records,
    });

    // Assess: the shard moves on, the poison record is in the DLQ whole, the others are published.
    expect(result).toEqual({ batchItemFailures: [] });
    expect(await deadLettersIn(queue)).toEqual([{ kind: "record", reason: "unparseable", record: poison }]);
    expect(publishedIds(before)).toEqual([
      eventIdOf(records[0] as DynamoDBRecord),
      eventIdOf(records[2] as DynamoDBRecord),
    ]);
  });

  it("sends an event over EventBridge's 256 KB entry limit whole to the DLQ, its record gzipped", async () => {
    const item = await connectionItem(h);
    const queue = await dlq();
    const big = streamRecord("100", {
      newImage: { ...item, metadata: { M: { notes: { S: "x".repeat(300_000) } } } },
    });

    const result = await createEventsHandler(h.services, { deadLetters: queue.deadLetters })({
      Records: [big],
    });

    expect(result).toEqual({ batchItemFailures: [] });
    const [message] = await receiveAll(queue.sqs, queue.url);
    expect(Buffer.byteLength(message?.Body ?? "")).toBeLessThan(262_144);
    expect(decodeDeadLetter(message?.Body ?? "")).toEqual({
      kind: "record",
      reason: "too_large",
      record: big,
    });
  });

  it("sends a record whose event EventBridge rejects as invalid whole to the DLQ", async () => {
    const item = await connectionItem(h);
    const queue = await dlq();
    const record = streamRecord("100", { newImage: item });
    const invalid = () =>
      Object.assign(new Error("Detail is malformed"), { name: "ValidationException", $fault: "client" });
    const fault = injectFault(h.services.clients.events, {
      command: "PutEventsCommand",
      when: "before",
      error: invalid,
    });

    let result: DynamoDBBatchResponse;
    try {
      result = await createEventsHandler(h.services, { deadLetters: queue.deadLetters })({
        Records: [record],
      });
    } finally {
      fault.remove();
    }

    expect(result).toEqual({ batchItemFailures: [] });
    expect(await deadLettersIn(queue)).toEqual([{ kind: "record", reason: "rejected", record }]);
  });

  it("reports a record that fails transiently and every later one, publishing none of the later ones", async () => {
    // Prepare: the second PutEvents fails once, as a 503 would; the records are fresh.
    const item = await connectionItem(h);
    const queue = await dlq();
    const records = ["100", "200", "300"].map((sequence) => streamRecord(sequence, { newImage: item }));
    const handler = createEventsHandler(h.services, { deadLetters: queue.deadLetters });
    const before = h.edge.events.events.length;
    const fault = injectFault(h.services.clients.events, {
      command: "PutEventsCommand",
      when: "before",
      nth: 2,
    });

    // Act
    let result: Awaited<ReturnType<typeof handler>>;
    try {
      result = await handler({ Records: records });
    } finally {
      fault.remove();
    }

    // Assess: Lambda resumes from 200; 300 was never published ahead of it, nothing went to the DLQ.
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "200" }, { itemIdentifier: "300" }] });
    expect(fault.seen).toBe(2);
    expect(publishedIds(before)).toEqual([eventIdOf(records[0] as DynamoDBRecord)]);
    expect(await deadLettersIn(queue)).toEqual([]);
    // The retry from 200 publishes 200 then 300, with the event ids a first delivery would have had.
    await handler({ Records: records.slice(1) });
    expect(publishedIds(before)).toEqual(records.map(eventIdOf));
  });

  it("sends a record that still fails past the age limit whole to the DLQ, and moves on", async () => {
    // Prepare: records of a change 20 minutes ago; the first PutEvents fails.
    const item = await connectionItem(h);
    const queue = await dlq();
    const createdAt = Date.now() - 20 * 60_000;
    const records = ["100", "200"].map((sequence) => streamRecord(sequence, { newImage: item, createdAt }));
    const before = h.edge.events.events.length;
    const fault = injectFault(h.services.clients.events, { command: "PutEventsCommand", when: "before" });

    // Act
    let result: DynamoDBBatchResponse;
    try {
      result = await createEventsHandler(h.services, { deadLetters: queue.deadLetters })({
        Records: records,
      });
    } finally {
      fault.remove();
    }

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(await deadLettersIn(queue)).toEqual([{ kind: "record", reason: "expired", record: records[0] }]);
    expect(publishedIds(before)).toEqual([eventIdOf(records[1] as DynamoDBRecord)]);
  });

  it("reports a record it cannot send to the DLQ as a batch item failure, with every later one", async () => {
    const item = await connectionItem(h);
    const sqs = sqsClient(h.edge.url);
    const missing = new SqsDeadLetterQueue(sqs, `${h.edge.url}/000000000000/no-such-queue-${randomUUID()}`);
    const records = [
      streamRecord("100", { newImage: { ...item, status: { S: "from_the_future" } } }),
      streamRecord("200", { newImage: item }),
    ];
    const before = h.edge.events.events.length;

    const result = await createEventsHandler(h.services, { deadLetters: missing })({ Records: records });

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "100" }, { itemIdentifier: "200" }] });
    expect(publishedIds(before)).toEqual([]);
  });
});
