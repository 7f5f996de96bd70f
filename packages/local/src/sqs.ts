import { createHash, randomBytes, randomUUID } from "node:crypto";
import { type AwsJsonResponse, AwsServiceError, ok } from "./aws-json.ts";

/** The request fields of the supported operations (AWS JSON 1.0, `X-Amz-Target: AmazonSQS.<Op>`). */
export interface SqsInput {
  QueueName?: string;
  QueueUrl?: string;
  Attributes?: Record<string, string>;
  AttributeNames?: string[];
  MessageSystemAttributeNames?: string[];
  MessageBody?: string;
  DelaySeconds?: number;
  MaxNumberOfMessages?: number;
  VisibilityTimeout?: number;
  WaitTimeSeconds?: number;
  ReceiptHandle?: string;
}

interface Message {
  id: string;
  body: string;
  md5: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
}

interface Queue {
  name: string;
  arn: string;
  url: string;
  createdAt: number;
  attributes: Record<string, string>;
  messages: Message[];
}

export interface SqsEmulatorOptions {
  region: string;
  accountId: string;
  /** The edge's base URL, which queue URLs start with (the SDK sends each call to its queue's URL). */
  baseUrl: () => string;
  /** Milliseconds since the epoch; tests move it to expire visibility timeouts. */
  now?: () => number;
}

const NAME_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;
/** The settable attributes, with AWS's defaults and valid ranges. */
const SETTABLE: Record<string, { value: string; min: number; max: number }> = {
  DelaySeconds: { value: "0", min: 0, max: 900 },
  MaximumMessageSize: { value: "1048576", min: 1024, max: 1_048_576 },
  MessageRetentionPeriod: { value: "345600", min: 60, max: 1_209_600 },
  ReceiveMessageWaitTimeSeconds: { value: "0", min: 0, max: 20 },
  VisibilityTimeout: { value: "30", min: 0, max: 43_200 },
};
const DEFAULTS = Object.fromEntries(Object.entries(SETTABLE).map(([name, { value }]) => [name, value]));

const md5 = (text: string) => createHash("md5").update(text, "utf8").digest("hex");
const invalid = (message: string) => new AwsServiceError("InvalidParameterValue", message);
const noQueue = () => new AwsServiceError("QueueDoesNotExist", "The specified queue does not exist.");

/**
 * A small in-memory SQS (standard queues): queues by name, messages with visibility timeouts,
 * receive counts and delays, and a RedrivePolicy that moves a message to its dead-letter queue once
 * it has been received `maxReceiveCount` times. Long polling returns at once; no FIFO, no
 * message attributes, nothing persisted.
 */
export class SqsEmulator {
  private readonly queues = new Map<string, Queue>();
  private readonly receipts = new Map<string, string>();
  private readonly now: () => number;
  private readonly operations: Record<string, (input: SqsInput) => object>;

  constructor(private readonly options: SqsEmulatorOptions) {
    this.now = options.now ?? Date.now;
    this.operations = {
      CreateQueue: (input) => this.createQueue(input),
      GetQueueUrl: (input) => ({ QueueUrl: this.named(input.QueueName).url }),
      GetQueueAttributes: (input) => this.getQueueAttributes(input),
      SendMessage: (input) => this.sendMessage(input),
      ReceiveMessage: (input) => this.receiveMessage(input),
      DeleteMessage: (input) => this.deleteMessage(input),
      ChangeMessageVisibility: (input) => this.changeMessageVisibility(input),
    };
  }

  handle(operation: string, input: SqsInput | null): AwsJsonResponse {
    const run = this.operations[operation];
    if (!run) throw new AwsServiceError("UnsupportedOperation", `Operation ${operation} is not supported`);
    return ok(run(input ?? {}));
  }

  private createQueue({ QueueName: name, Attributes: attributes = {} }: SqsInput): object {
    if (!name || !NAME_PATTERN.test(name)) {
      throw invalid("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
    }
    for (const [key, value] of Object.entries(attributes)) validAttribute(key, value);
    const wanted = { ...DEFAULTS, ...attributes };
    const existing = this.queues.get(name);
    if (existing) {
      const same = Object.keys(wanted).every((key) => existing.attributes[key] === wanted[key]);
      if (!same) throw new AwsServiceError("QueueNameExists", `A queue named ${name} already exists.`);
      return { QueueUrl: existing.url };
    }
    const { region, accountId, baseUrl } = this.options;
    const queue: Queue = {
      name,
      arn: `arn:aws:sqs:${region}:${accountId}:${name}`,
      url: `${baseUrl()}/${accountId}/${name}`,
      createdAt: this.now(),
      attributes: wanted,
      messages: [],
    };
    this.queues.set(name, queue);
    return { QueueUrl: queue.url };
  }

  private getQueueAttributes(input: SqsInput): object {
    const queue = this.byUrl(input.QueueUrl);
    const messages = this.live(queue);
    const now = this.now();
    const all: Record<string, string> = {
      ...queue.attributes,
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: String(messages.filter((m) => m.visibleAt <= now).length),
      ApproximateNumberOfMessagesNotVisible: String(
        messages.filter((m) => m.receiveCount > 0 && m.visibleAt > now).length,
      ),
      ApproximateNumberOfMessagesDelayed: String(
        messages.filter((m) => m.receiveCount === 0 && m.visibleAt > now).length,
      ),
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.createdAt / 1000)),
    };
    const names = input.AttributeNames ?? [];
    if (names.includes("All")) return { Attributes: all };
    for (const name of names) {
      if (!(name in all) && !(name in SETTABLE) && name !== "RedrivePolicy")
        throw new AwsServiceError("InvalidAttributeName", `Unknown Attribute ${name}.`);
    }
    const wanted = names.filter((n) => n in all);
    return wanted.length ? { Attributes: Object.fromEntries(wanted.map((n) => [n, all[n]])) } : {};
  }

  private sendMessage(input: SqsInput): object {
    const queue = this.byUrl(input.QueueUrl);
    const body = input.MessageBody ?? "";
    if (body === "") throw invalid("The request must contain the parameter MessageBody.");
    const limit = Number(queue.attributes.MaximumMessageSize);
    if (Buffer.byteLength(body) > limit) {
      throw invalid(
        `One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`,
      );
    }
    const delay = input.DelaySeconds ?? Number(queue.attributes.DelaySeconds);
    if (delay < 0 || delay > 900) throw invalid(`Value ${delay} for parameter DelaySeconds is invalid.`);
    const now = this.now();
    const message = {
      id: randomUUID(),
      body,
      md5: md5(body),
      sentAt: now,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
    };
    queue.messages.push(message);
    return { MessageId: message.id, MD5OfMessageBody: message.md5 };
  }

  private receiveMessage(input: SqsInput): object {
    const queue = this.byUrl(input.QueueUrl);
    const max = input.MaxNumberOfMessages ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      throw invalid(
        `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10.`,
      );
    }
    const timeout = input.VisibilityTimeout ?? Number(queue.attributes.VisibilityTimeout);
    const now = this.now();
    const received: object[] = [];
    for (const message of this.live(queue)) {
      if (received.length >= max) break;
      if (message.visibleAt > now || this.redrive(queue, message)) continue;
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + timeout * 1000;
      const handle = randomBytes(48).toString("base64");
      this.receipts.set(handle, message.id);
      received.push({
        MessageId: message.id,
        ReceiptHandle: handle,
        MD5OfBody: message.md5,
        Body: message.body,
        Attributes: systemAttributes(message, [
          ...(input.AttributeNames ?? []),
          ...(input.MessageSystemAttributeNames ?? []),
        ]),
      });
    }
    return received.length ? { Messages: received } : {};
  }

  private deleteMessage(input: SqsInput): object {
    const { queue, id } = this.receipt(input);
    // A stale receipt handle (the message deleted, or received again since) is not an error.
    queue.messages = queue.messages.filter((m) => m.id !== id);
    return {};
  }

  private changeMessageVisibility(input: SqsInput): object {
    const { queue, id } = this.receipt(input);
    const message = queue.messages.find((m) => m.id === id);
    const timeout = input.VisibilityTimeout ?? 0;
    if (timeout < 0 || timeout > 43_200)
      throw invalid(`Value ${timeout} for parameter VisibilityTimeout is invalid.`);
    if (!message || message.visibleAt <= this.now()) {
      throw new AwsServiceError(
        "MessageNotInflight",
        "Message does not exist or is not available for visibility timeout change.",
      );
    }
    message.visibleAt = this.now() + timeout * 1000;
    return {};
  }

  /** Moves a message past its queue's maxReceiveCount to the dead-letter queue; true if it moved. */
  private redrive(queue: Queue, message: Message): boolean {
    const policy = queue.attributes.RedrivePolicy;
    if (!policy) return false;
    const { deadLetterTargetArn, maxReceiveCount } = JSON.parse(policy) as Record<string, string>;
    if (message.receiveCount < Number(maxReceiveCount)) return false;
    const target = [...this.queues.values()].find((q) => q.arn === deadLetterTargetArn);
    if (!target) return false;
    queue.messages = queue.messages.filter((m) => m !== message);
    target.messages.push({ ...message, visibleAt: this.now() });
    return true;
  }

  /** The queue's messages, less those past its retention period (which are dropped). */
  private live(queue: Queue): Message[] {
    const oldest = this.now() - Number(queue.attributes.MessageRetentionPeriod) * 1000;
    queue.messages = queue.messages.filter((m) => m.sentAt >= oldest);
    return [...queue.messages];
  }

  private receipt(input: SqsInput): { queue: Queue; id: string } {
    const queue = this.byUrl(input.QueueUrl);
    const id = this.receipts.get(input.ReceiptHandle ?? "");
    if (!id) {
      throw new AwsServiceError(
        "ReceiptHandleIsInvalid",
        `The input receipt handle "${input.ReceiptHandle ?? ""}" is not a valid receipt handle.`,
      );
    }
    return { queue, id };
  }

  private named(name: string | undefined): Queue {
    const queue = this.queues.get(name ?? "");
    if (!queue) throw noQueue();
    return queue;
  }

  /** Queues are found by the URL's path (`/<account>/<name>`), whatever host the caller used. */
  private byUrl(url: string | undefined): Queue {
    if (!url) throw invalid("The request must contain the parameter QueueUrl.");
    let path: string[];
    try {
      path = new URL(url).pathname.split("/").filter(Boolean);
    } catch {
      throw new AwsServiceError("InvalidAddress", `The address ${url} is not valid for this endpoint.`, 404);
    }
    if (path.length !== 2 || path[0] !== this.options.accountId) throw noQueue();
    return this.named(path[1]);
  }
}

function validAttribute(name: string, value: string): void {
  if (name === "RedrivePolicy") {
    const policy = safeJson(value);
    if (typeof policy?.deadLetterTargetArn !== "string" || !(Number(policy.maxReceiveCount) >= 1)) {
      throw new AwsServiceError("InvalidAttributeValue", `Invalid value for the parameter RedrivePolicy.`);
    }
    return;
  }
  const range = SETTABLE[name];
  if (!range) throw new AwsServiceError("InvalidAttributeName", `Unknown Attribute ${name}.`);
  const number = Number(value);
  if (!Number.isInteger(number) || number < range.min || number > range.max) {
    throw new AwsServiceError("InvalidAttributeValue", `Invalid value for the parameter ${name}.`);
  }
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The system attributes a receiver asked for (`All` or by name). */
function systemAttributes(message: Message, names: string[]): Record<string, string> | undefined {
  const all: Record<string, string> = {
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
    SentTimestamp: String(message.sentAt),
    SenderId: "AIDAIENQZJOLO23YVJ4VO",
  };
  const wanted = names.includes("All") ? Object.keys(all) : names.filter((n) => n in all);
  return wanted.length ? Object.fromEntries(wanted.map((n) => [n, all[n] as string])) : undefined;
}
