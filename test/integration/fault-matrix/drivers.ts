import { randomBytes } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createCustomResourceHandler, createProvisionerHandler } from "@connvault/functions";
import type { CloudFormationCustomResourceEvent, SQSRecord } from "aws-lambda";
import { expect } from "vitest";
import { dynamoClient, secretsManagerClient } from "../../helpers/aws.ts";
import {
  expectStatus,
  type Harness,
  json,
  startHarness,
  type TestOrganization,
} from "../../helpers/harness.ts";
import {
  type CfnResponse,
  cloudFormationStack,
  customResourceContext,
  type ResponseEndpoint,
  sqsRecord,
  startResponseEndpoint,
} from "../../helpers/lambda-events.ts";

/** What the matrix runs on: the harness, raw clients on its AWS edge, and the two Lambda handlers. */
export interface Rig {
  h: Harness;
  sm: SecretsManagerClient;
  ddb: DynamoDBClient;
  provisioner: ReturnType<typeof createProvisionerHandler>;
  customResource: ReturnType<typeof createCustomResourceHandler>;
  /** The loopback stand-in for CloudFormation's presigned ResponseURL. */
  responses: ResponseEndpoint;
  close(): Promise<void>;
}

export async function startRig(): Promise<Rig> {
  const h = await startHarness();
  const sm = secretsManagerClient(h.edge.url);
  const ddb = dynamoClient(h.edge.url);
  const responses = await startResponseEndpoint();
  return {
    h,
    sm,
    ddb,
    responses,
    provisioner: createProvisionerHandler(h.services, { messagesPerSecond: 1000 }),
    customResource: createCustomResourceHandler(h.services),
    async close() {
      sm.destroy();
      ddb.destroy();
      await responses.close();
      await h.close();
    },
  };
}

/** What a driver answers, in the matrix's words: an HTTP status, an SQS delivery, a CloudFormation status. */
export type Outcome = number | "ok" | "batch item failure" | "SUCCESS" | "FAILED";

/** One answer of a driver, and its raw text (searched for the canaries). */
export interface Answer {
  outcome: Outcome;
  text: string;
  headers?: Headers;
}

/** What a request acts on: the organization, and the connection made for rotate and delete. */
export interface Target {
  /** The rig the target was prepared on, which its requests go to. */
  rig: Rig;
  org: TestOrganization;
  /** The credential value sent when the connection was created (a canary: it must never leak). */
  token: string;
  /** The credential value a rotation sends (a canary too). */
  rotated: string;
  idempotencyKey?: string;
  connection?: { id: string; arn: string };
  /** The SQS record of a provisioning case: the retry redelivers the very same record. */
  message?: SQSRecord;
  /** The request of a custom resource case: CloudFormation's retry sends it again, same RequestId. */
  event?: CloudFormationCustomResourceEvent;
}

/** How a driver answers a failed AWS call: the same for every operation it runs. */
export interface Driver {
  /** The first answer when an AWS call fails. */
  failure: Outcome;
  /** What else a failed first answer must say. */
  expectFailure(first: Answer, target: Target): void | Promise<void>;
}

/** A driver that sends every operation the same way (a record to the provisioner, a request to the custom resource). */
export interface SendingDriver extends Driver {
  /** The answer of the no-fault run. */
  success: Outcome;
  send(target: Target): Promise<Answer>;
}

export const newToken = () => `sk_fault_${randomBytes(12).toString("hex")}`;
export const bearer = (token: string) => ({ security: { authMethod: "bearer", token } });
export const parsed = <T>(answer: Answer) => JSON.parse(answer.text) as T;

/** A new target on `rig` for `org`, with fresh canaries. */
export const newTarget = (rig: Rig, org: TestOrganization, idempotencyKey?: string): Target => ({
  rig,
  org,
  token: newToken(),
  rotated: newToken(),
  ...(idempotencyKey ? { idempotencyKey } : {}),
});

export async function warmCaches({ h }: Rig, org: TestOrganization): Promise<void> {
  const me = await h.request("GET", "/v1/me", { key: org.adminKey });
  await expectStatus(me, 200);
  const connector = await h.request("GET", "/v1/connectors/stripe", { key: org.adminKey });
  await expectStatus(connector, 200);
}

export function createRequest(target: Target): Promise<Response> {
  return target.rig.h.request("POST", "/v1/connectors/stripe/connections", {
    key: target.org.adminKey,
    body: { name: "Stripe", ...bearer(target.token) },
    ...(target.idempotencyKey ? { headers: { "idempotency-key": target.idempotencyKey } } : {}),
  });
}

export async function withConnection(rig: Rig, org: TestOrganization): Promise<Target> {
  const target = newTarget(rig, org);
  const res = await createRequest(target);
  await expectStatus(res, 201);
  const created = await json<{ id: string; auth_aws_arn: string }>(res);
  await warmCaches(rig, org);
  return { ...target, connection: { id: created.id, arn: created.auth_aws_arn } };
}

export const connectionOf = (target: Target) => {
  if (!target.connection) throw new Error("the target has no connection");
  return target.connection;
};

// --- HTTP ------------------------------------------------------------------------------------

/** HTTP: a failed AWS call answers 503 with a problem document; the retry is the identical request. */
export const overHttp: Driver = {
  failure: 503,
  expectFailure(first) {
    expect(first.headers?.get("content-type")).toContain("application/problem+json");
    expect(JSON.parse(first.text)).toMatchObject({ status: 503, code: "dependency_unavailable" });
  },
};

export async function http(request: Promise<Response>): Promise<Answer> {
  const res = await request;
  return { outcome: res.status, text: await res.text(), headers: res.headers };
}

// --- SQS, the provisioner --------------------------------------------------------------------

const messageOf = (target: Target) => {
  if (!target.message) throw new Error("the target has no SQS message");
  return target.message;
};

/**
 * SQS: a failed AWS call is a DependencyUnavailableError, which the provisioner deems retryable: a
 * batch item failure, so SQS redelivers the same record (and no provisioning_failed event).
 */
export const overSqs: SendingDriver = {
  success: "ok",
  failure: "batch item failure",
  send: (target) => deliver(target.rig, messageOf(target)),
  async expectFailure(_first, target) {
    const { h } = target.rig;
    await h.edge.stream.drain();
    const dropped = h.edge.events.events.filter(
      (e) =>
        e.detail_type === "connection.provisioning_failed" &&
        (e.detail as { message?: { message_id?: string } }).message?.message_id ===
          messageOf(target).messageId,
    );
    expect(dropped, "a retryable failure is not a final provisioning_failed").toEqual([]);
  },
};

/**
 * One delivery of `record`, as Lambda's SQS event source mapping makes it, behind a malformed
 * message (dropped as final, with no DynamoDB or Secrets Manager call): when every record of a batch
 * fails, Powertools throws FullBatchFailureError and the whole invocation fails instead, so only with
 * a neighbour does the provisioner's answer name the failed record.
 */
async function deliver({ provisioner }: Rig, record: SQSRecord): Promise<Answer> {
  const result = await provisioner({ Records: [sqsRecord("{not json"), record] });
  const text = JSON.stringify(result);
  if (result.batchItemFailures.length === 0) return { outcome: "ok", text };
  expect(result.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
  return { outcome: "batch item failure", text };
}

export function provisioningMessage(target: Target, action: string, fields: Record<string, unknown>): Target {
  return {
    ...target,
    message: sqsRecord({
      action,
      idempotency_key: target.idempotencyKey ?? `msg-${randomBytes(8).toString("hex")}`,
      organization_id: target.org.id,
      actor_user_id: target.org.adminUserId,
      ...fields,
    }),
  };
}

// --- CloudFormation, the custom resource -----------------------------------------------------

const eventOf = (target: Target) => {
  if (!target.event) throw new Error("the target has no CloudFormation request");
  return target.event;
};

/**
 * CloudFormation: every fault surfaces as a DependencyUnavailableError, a DomainError, which the
 * handler answers FAILED with its code as the reason (a Create with its `failed-` placeholder id).
 */
export const overCloudFormation: SendingDriver = {
  success: "SUCCESS",
  failure: "FAILED",
  send: (target) => invoke(target.rig, eventOf(target)),
  expectFailure(first, target) {
    const event = eventOf(target);
    expect(parsed<CfnResponse>(first)).toMatchObject({
      RequestId: event.RequestId,
      PhysicalResourceId:
        event.RequestType === "Create" ? `failed-${event.RequestId}` : event.PhysicalResourceId,
      Reason: expect.stringContaining("(dependency_unavailable)"),
      Data: {},
    });
  },
};

/** One invocation of the custom resource function, and the one response it PUT to the ResponseURL. */
async function invoke(
  { customResource, responses }: Rig,
  event: CloudFormationCustomResourceEvent,
): Promise<Answer> {
  const from = responses.bodies.length;
  await customResource(event, customResourceContext());
  const bodies = responses.bodies.slice(from);
  expect(bodies, `one response to the ${event.RequestType}`).toHaveLength(1);
  const text = bodies[0] ?? "{}";
  const response = JSON.parse(text) as CfnResponse;
  expect(response.RequestId).toBe(event.RequestId);
  return { outcome: response.Status, text };
}

/** `Custom::Connection` properties, as CloudFormation sends them. */
export const connectionProperties = (org: TestOrganization, token: string) => ({
  OrganizationId: org.id,
  ConnectorId: "stripe",
  Name: "Stripe",
  Security: bearer(token).security,
});

/** A connection made by a stack's Create, and the stack's next request about it. */
export async function withStackConnection(
  rig: Rig,
  org: TestOrganization,
  next: (
    stack: ReturnType<typeof cloudFormationStack>,
    target: Target & { connection: { id: string; arn: string } },
  ) => CloudFormationCustomResourceEvent,
): Promise<Target> {
  await warmCaches(rig, org);
  const stack = cloudFormationStack(rig.responses.url);
  const target = newTarget(rig, org);
  const created = await invoke(rig, stack.create(connectionProperties(org, target.token)));
  expect(created.outcome, created.text).toBe("SUCCESS");
  const { PhysicalResourceId: id, Data } = parsed<CfnResponse>(created);
  const made = { ...target, connection: { id, arn: Data.AuthAwsArn ?? "" } };
  return { ...made, event: next(stack, made) };
}
