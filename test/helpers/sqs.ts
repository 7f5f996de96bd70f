import { type Message, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { edgeClientConfig } from "./aws.ts";

export const sqsClient = (endpoint: string) => new SQSClient(edgeClientConfig(endpoint));

/** Every message a queue hands out now, each received once and hidden for `visibilitySeconds`. */
export async function receiveAll(
  sqs: SQSClient,
  queueUrl: string,
  visibilitySeconds = 30,
): Promise<Message[]> {
  const all = new Map<string, Message>();
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: visibilitySeconds,
        MessageSystemAttributeNames: ["All"],
      }),
    );
    const fresh = Messages.filter((m) => !all.has(m.MessageId ?? ""));
    if (fresh.length === 0) return [...all.values()];
    for (const message of fresh) all.set(message.MessageId ?? "", message);
  }
}
