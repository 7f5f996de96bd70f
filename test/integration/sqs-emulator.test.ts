import { randomUUID } from "node:crypto";
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { type Edge, startEdge } from "@connvault/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { receiveAll, sqsClient } from "../helpers/sqs.ts";

let edge: Edge;
let sqs: SQSClient;
beforeAll(async () => {
  edge = await startEdge();
  sqs = sqsClient(edge.url);
});
afterAll(async () => {
  sqs.destroy();
  await edge.close();
});

const newQueue = async (attributes: Record<string, string> = {}) => {
  const QueueName = `q-${randomUUID()}`;
  const { QueueUrl = "" } = await sqs.send(new CreateQueueCommand({ QueueName, Attributes: attributes }));
  return { name: QueueName, url: QueueUrl };
};
const counts = async (url: string) => {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return Attributes;
};
/** One receive of up to ten messages that leaves them visible. */
const receiveNow = async (url: string) =>
  (
    await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    )
  ).Messages ?? [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the edge's SQS emulator, through the real SDK", () => {
  it("creates a queue once, finds it by name, and refuses a second one with other attributes", async () => {
    const queue = await newQueue({ VisibilityTimeout: "10" });

    const again = await sqs.send(
      new CreateQueueCommand({ QueueName: queue.name, Attributes: { VisibilityTimeout: "10" } }),
    );
    const found = await sqs.send(new GetQueueUrlCommand({ QueueName: queue.name }));

    expect(queue.url).toBe(`${edge.url}/000000000000/${queue.name}`);
    expect(again.QueueUrl).toBe(queue.url);
    expect(found.QueueUrl).toBe(queue.url);
    await expect(
      sqs.send(new CreateQueueCommand({ QueueName: queue.name, Attributes: { VisibilityTimeout: "20" } })),
    ).rejects.toBeInstanceOf(QueueNameExists);
  });

  it("answers QueueDoesNotExist as an AWS JSON error for an unknown queue", async () => {
    await expect(
      sqs.send(new GetQueueUrlCommand({ QueueName: `missing-${randomUUID()}` })),
    ).rejects.toBeInstanceOf(QueueDoesNotExist);
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: `${edge.url}/000000000000/missing`, MessageBody: "x" })),
    ).rejects.toMatchObject({ name: "QueueDoesNotExist", $metadata: { httpStatusCode: 400 } });
  });

  it("delivers a sent message with its body's MD5 and hides it for the visibility timeout", async () => {
    // Prepare
    const queue = await newQueue();
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: "héllo" }));

    // Act: the SDK checks MD5OfMessageBody and MD5OfBody itself.
    const first = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        VisibilityTimeout: 1,
        MessageSystemAttributeNames: ["All"],
      }),
    );
    const whileHidden = await counts(queue.url);
    const hidden = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url }));
    await sleep(1_100);
    const second = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      }),
    );

    // Assess
    expect(first.Messages).toEqual([
      expect.objectContaining({
        MessageId: sent.MessageId,
        Body: "héllo",
        Attributes: expect.objectContaining({
          ApproximateReceiveCount: "1",
          SentTimestamp: expect.any(String),
        }),
      }),
    ]);
    expect(whileHidden).toEqual({
      ApproximateNumberOfMessages: "0",
      ApproximateNumberOfMessagesNotVisible: "1",
    });
    expect(hidden.Messages).toBeUndefined();
    expect(second.Messages?.[0]?.Attributes).toEqual({ ApproximateReceiveCount: "2" });
  });

  it("deletes a message by its receipt handle and rejects a handle it never gave out", async () => {
    const queue = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: "a" }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: "b" }));
    const [a, b] = await receiveNow(queue.url);

    await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: a?.ReceiptHandle }));

    expect([a?.Body, b?.Body]).toEqual(["a", "b"]);
    expect((await receiveNow(queue.url)).map((m) => m.Body)).toEqual(["b"]);
    await expect(
      sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: "forged" })),
    ).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
  });

  it("returns at most MaxNumberOfMessages and counts what is left", async () => {
    const queue = await newQueue();
    for (let i = 0; i < 12; i++) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: `m${i}` }));
    }

    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10 }),
    );

    expect(Messages.map((m) => m.Body)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(await counts(queue.url)).toEqual({
      ApproximateNumberOfMessages: "2",
      ApproximateNumberOfMessagesNotVisible: "10",
    });
    await expect(
      sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 11 })),
    ).rejects.toMatchObject({ name: "InvalidParameterValue" });
  });

  it("makes a message visible again when its visibility timeout is changed to 0", async () => {
    const queue = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: "again" }));
    const [message] = await receiveAll(sqs, queue.url, 600);

    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queue.url,
        ReceiptHandle: message?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );

    expect((await receiveAll(sqs, queue.url)).map((m) => m.Body)).toEqual(["again"]);
  });

  it("moves a message received maxReceiveCount times to the queue's dead-letter queue", async () => {
    // Prepare
    const dlq = await newQueue();
    const { Attributes: { QueueArn = "" } = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.url, AttributeNames: ["QueueArn"] }),
    );
    const source = await newQueue({
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: QueueArn, maxReceiveCount: 2 }),
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: source.url, MessageBody: "poison" }));

    // Act: two receives that never delete it, then a third.
    const receives = [];
    for (let i = 0; i < 3; i++) receives.push((await receiveNow(source.url)).length);

    // Assess
    expect(QueueArn).toBe(`arn:aws:sqs:us-east-1:000000000000:${dlq.name}`);
    expect(receives).toEqual([1, 1, 0]);
    const [dead] = await receiveAll(sqs, dlq.url);
    expect(dead).toMatchObject({ Body: "poison", Attributes: { ApproximateReceiveCount: "3" } });
  });
});
