import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { createEventsHandler } from "@connvault/functions";
import type { DynamoDBRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqsDeadLetterQueue } from "../../packages/functions/src/events/dead-letters.ts";
import { createRecordPublisher } from "../../packages/functions/src/events/events.ts";
import { replayDeadLetters } from "../../packages/functions/src/events/replay.ts";
import { injectFault } from "../helpers/faults.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";
import { sqsClient } from "../helpers/sqs.ts";
import { connectionItem, streamRecord } from "../helpers/stream-records.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** What Lambda's on-failure destination sends for a DynamoDB stream batch it gave up on. */
const onFailureMessage = {
  requestContext: {
    requestId: randomUUID(),
    functionArn: "arn:aws:lambda:us-east-1:123456789012:function:connvault-ci-TableSubscriberEvents",
    condition: "RecordAgeExceeded",
    approximateInvokeCount: 3,
  },
  responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
  version: "1.0",
  timestamp: "2026-12-01T06:00:00.000Z",
  DDBStreamBatchInfo: {
    shardId: "shardId-00000001790000000000-abcdef12",
    startSequenceNumber: "900",
    endSequenceNumber: "999",
    approximateArrivalOfFirstRecord: "2026-12-01T05:00:00Z",
    approximateArrivalOfLastRecord: "2026-12-01T05:00:01Z",
    batchSize: 100,
    streamArn: "arn:aws:dynamodb:us-east-1:123456789012:table/connvault-test/stream/2026-11-21T00:00:00.000",
  },
};

/** A DLQ holding what the events function gave up on (one expired record) and one Lambda metadata message. */
async function filledDlq() {
  const item = await connectionItem(h);
  const record = streamRecord(randomUUID().replaceAll("-", ""), {
    newImage: item,
    createdAt: Date.now() - 20 * 60_000,
  });
  const sqs = sqsClient(h.edge.url);
  const { QueueUrl: url = "" } = await sqs.send(
    new CreateQueueCommand({ QueueName: `events-dlq-${randomUUID()}` }),
  );
  const fault = injectFault(h.services.clients.events, { command: "PutEventsCommand", when: "before" });
  try {
    const handler = createEventsHandler(h.services, { deadLetters: new SqsDeadLetterQueue(sqs, url) });
    expect(await handler({ Records: [record] })).toEqual({ batchItemFailures: [] });
  } finally {
    fault.remove();
  }
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(onFailureMessage) }));
  await h.edge.stream.drain();
  return { sqs, url, record, connectionId: item.id?.S ?? "", published: h.edge.events.events.length };
}

/** The events published for the DLQ's connection since it was filled. */
const eventsOf = (dlq: Awaited<ReturnType<typeof filledDlq>>) =>
  h.edge.events.events
    .slice(dlq.published)
    .filter((e) => (e.detail as { connection?: { id?: string } }).connection?.id === dlq.connectionId);

/** The event id the events function gives a record, from a fresh delivery of it. */
async function eventIdFromHandler(record: DynamoDBRecord): Promise<string> {
  const before = h.edge.events.events.length;
  await createEventsHandler(h.services)({ Records: [record] });
  return (h.edge.events.events[before]?.detail as { event_id?: string } | undefined)?.event_id ?? "no event";
}

const messagesIn = async (dlq: Awaited<ReturnType<typeof filledDlq>>) => {
  const { Attributes = {} } = await dlq.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.url, AttributeNames: ["All"] }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible)
  );
};

describe("replaying the events DLQ", () => {
  it("publishes each whole record onto the bus with its event_id, deletes it, and reports the other messages", async () => {
    // Prepare
    const dlq = await filledDlq();
    await dlq.sqs.send(new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: "not a dead letter" }));
    const lines: string[] = [];

    // Act
    const summary = await replayDeadLetters({
      sqs: dlq.sqs,
      queueUrl: dlq.url,
      publish: createRecordPublisher(h.services),
      report: (line) => lines.push(line),
    });

    // Assess: one event on the bus, the id a first delivery gives; only the metadata message is left.
    expect(summary).toEqual({ replayed: 1, metadataOnly: 1, unreplayable: 1, failed: 0 });
    const replayed = eventsOf(dlq);
    expect(replayed.map((e) => e.detail_type)).toEqual(["connection.created"]);
    expect(replayed[0]?.detail).toMatchObject({ event_id: await eventIdFromHandler(dlq.record) });
    expect(await messagesIn(dlq)).toBe(2);
    expect(lines).toEqual([
      expect.stringMatching(/metadata only \(RecordAgeExceeded\).*sequence 900–999/),
      expect.stringMatching(/not a stream record/),
    ]);
  });

  it("keeps a record whose publish fails in the DLQ and counts it as failed", async () => {
    const dlq = await filledDlq();
    const fault = injectFault(h.services.clients.events, { command: "PutEventsCommand", when: "before" });
    let summary: Awaited<ReturnType<typeof replayDeadLetters>>;
    try {
      summary = await replayDeadLetters({
        sqs: dlq.sqs,
        queueUrl: dlq.url,
        publish: createRecordPublisher(h.services),
        report: () => undefined,
      });
    } finally {
      fault.remove();
    }

    expect(summary).toEqual({ replayed: 0, metadataOnly: 1, unreplayable: 0, failed: 1 });
    expect(eventsOf(dlq)).toEqual([]);
    expect(await messagesIn(dlq)).toBe(2);
  });

  it("runs as `npm run events:replay -- --queue-url <url> --bus <name>` with the real SDK clients", async () => {
    // Prepare
    const dlq = await filledDlq();
    const bus = `connvault-replay-${randomUUID().slice(0, 8)}`;

    // Act
    const { code, stdout } = await run(["--queue-url", dlq.url, "--bus", bus], {
      AWS_ENDPOINT_URL: h.edge.url,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      CONNVAULT_SERVER_KEY: h.serverKey,
      CONNVAULT_LOG_LEVEL: "SILENT",
    });

    // Assess: exit 1, as the metadata-only message is left for a person to look at.
    expect(code, stdout).toBe(1);
    expect(stdout).toContain("replayed 1, metadata-only 1, unreplayable 0, failed 0");
    expect(eventsOf(dlq).map((e) => [e.detail_type, e.event_bus_name])).toEqual([
      ["connection.created", bus],
    ]);
    expect(await messagesIn(dlq)).toBe(1);
  });
});

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/events-replay.ts", ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout })));
}
