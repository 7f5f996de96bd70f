import { randomBytes } from "node:crypto";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { createEventsHandler } from "@connvault/functions";
import type { DynamoDBRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoClient } from "../helpers/aws.ts";
import { injectFault } from "../helpers/faults.ts";
import { createOrganization, type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
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

  it("reports a record whose event cannot be published as a batch item failure, to be retried", async () => {
    const org = await createOrganization(h);
    const created = await json<{ id: string }>(
      await h.request("POST", "/v1/connectors/open-meteo/connections", {
        key: org.adminKey,
        body: { name: "m" },
      }),
    );
    // Prepare: real stream records made from the real item, as DynamoDB Streams would deliver them.
    const scan = await dynamoClient(h.edge.url).send(new ScanCommand({ TableName: "connvault-test" }));
    const item = scan.Items?.find((i) => i.id?.S === created.id);
    const record = (sequence: string, eventName: "INSERT" | "MODIFY"): DynamoDBRecord => ({
      eventID: `e-${sequence}`,
      eventName,
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: "us-east-1",
      dynamodb: {
        ApproximateCreationDateTime: 1_790_000_000,
        Keys: { pk: item?.pk, sk: item?.sk } as never,
        NewImage: item as never,
        ...(eventName === "MODIFY" ? { OldImage: item as never } : {}),
        SequenceNumber: sequence,
        SizeBytes: 100,
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
      eventSourceARN:
        "arn:aws:dynamodb:us-east-1:123456789012:table/connvault-test/stream/2026-11-21T00:00:00.000",
    });
    const handler = createEventsHandler(h.services);
    const fault = injectFault(h.services.clients.events, {
      command: "PutEventsCommand",
      when: "before",
      nth: 2,
    });
    try {
      const result = await handler({
        Records: [record("100", "INSERT"), record("200", "INSERT"), record("300", "MODIFY")],
      });
      expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "200" }] });
    } finally {
      fault.remove();
    }
    // A record delivered again publishes the same event_id, so consumers can deduplicate.
    const before = h.edge.events.events.length;
    await handler({ Records: [record("200", "INSERT")] });
    await handler({ Records: [record("200", "INSERT")] });
    const ids = h.edge.events.events.slice(before).map((e) => (e.detail as { event_id: string }).event_id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
  });
});
