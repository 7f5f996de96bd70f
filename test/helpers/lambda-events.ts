import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type {
  CloudFormationCustomResourceCreateEvent,
  CloudFormationCustomResourceDeleteEvent,
  CloudFormationCustomResourceUpdateEvent,
  Context,
  SQSRecord,
} from "aws-lambda";
import { lambdaContext } from "../fixtures/api-gateway-v2.ts";

/** An SQS record as Lambda delivers it from a standard queue; redeliver the same object to retry it. */
export function sqsRecord(body: unknown): SQSRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: `AQEB${randomBytes(24).toString("base64")}`,
    body: typeof body === "string" ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "1790000000000",
      SenderId: "AIDAIENQZJOLO23YVJ4VO",
      ApproximateFirstReceiveTimestamp: "1790000000001",
    },
    messageAttributes: {},
    md5OfBody: "e4e68fb7bd0e697a0ae8f1bb342846b3",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:connvault-ci-Provisioning",
    awsRegion: "us-east-1",
  };
}

/** What a custom resource provider PUTs to the presigned ResponseURL. */
export interface CfnResponse {
  Status: "SUCCESS" | "FAILED";
  Reason: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  NoEcho: boolean;
  Data: Record<string, string>;
}

/** A loopback stand-in for the presigned S3 ResponseURL: it keeps every body PUT to it, in order. */
export interface ResponseEndpoint {
  url: string;
  bodies: string[];
  close(): Promise<void>;
}

export async function startResponseEndpoint(): Promise<ResponseEndpoint> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      bodies.push(Buffer.concat(chunks).toString());
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const SERVICE_TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:connvault-ci-CustomResourceFunction";

/** Requests for one `Custom::Connection` of a new stack, as CloudFormation sends them. */
export function cloudFormationStack(responseUrl: string, logicalResourceId = "StripeConnection") {
  const stackId = `arn:aws:cloudformation:us-east-1:123456789012:stack/connvault-test-${randomBytes(3).toString("hex")}/${randomUUID()}`;
  const common = (requestId: string) => ({
    ServiceToken: SERVICE_TOKEN,
    ResponseURL: `${responseUrl}/cloudformation-custom-resource-response-useast1/${encodeURIComponent(
      `${stackId}|${logicalResourceId}|${requestId}`,
    )}?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1795262400&Signature=${encodeURIComponent(randomBytes(20).toString("base64"))}`,
    StackId: stackId,
    RequestId: requestId,
    LogicalResourceId: logicalResourceId,
    ResourceType: "Custom::Connection",
  });
  const withToken = (properties: Record<string, unknown>) => ({ ServiceToken: SERVICE_TOKEN, ...properties });
  return {
    create: (properties: Record<string, unknown>): CloudFormationCustomResourceCreateEvent => ({
      RequestType: "Create",
      ...common(randomUUID()),
      ResourceProperties: withToken(properties),
    }),
    update: (
      physicalResourceId: string,
      properties: Record<string, unknown>,
      oldProperties: Record<string, unknown>,
    ): CloudFormationCustomResourceUpdateEvent => ({
      RequestType: "Update",
      ...common(randomUUID()),
      PhysicalResourceId: physicalResourceId,
      ResourceProperties: withToken(properties),
      OldResourceProperties: withToken(oldProperties),
    }),
    delete: (
      physicalResourceId: string,
      properties: Record<string, unknown>,
    ): CloudFormationCustomResourceDeleteEvent => ({
      RequestType: "Delete",
      ...common(randomUUID()),
      PhysicalResourceId: physicalResourceId,
      ResourceProperties: withToken(properties),
    }),
  };
}

/** The Lambda context of one custom resource invocation, far from its time limit. */
export const customResourceContext = (): Context => ({
  ...lambdaContext,
  functionName: "connvault-ci-CustomResourceFunction",
  awsRequestId: randomUUID(),
  getRemainingTimeInMillis: () => 290_000,
});
