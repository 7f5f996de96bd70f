import { randomBytes } from "node:crypto";
import { type DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  paginateListSecrets,
  type SecretListEntry,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { connectionIdFor } from "@connvault/core";
import { createCustomResourceHandler, createProvisioner } from "@connvault/functions";
import type { CloudFormationCustomResourceEvent, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoClient, secretsManagerClient } from "../helpers/aws.ts";
import { type FaultTiming, InjectedServiceUnavailable, injectFault } from "../helpers/faults.ts";
import {
  createOrganization,
  type Harness,
  json,
  type RecordedCall,
  startHarness,
  type TestOrganization,
} from "../helpers/harness.ts";
import {
  type CfnResponse,
  cloudFormationStack,
  customResourceContext,
  type ResponseEndpoint,
  sqsRecord,
  startResponseEndpoint,
} from "../helpers/lambda-events.ts";

const TABLE = "connvault-test";
const SECRET_PREFIX = "connvault/local/connections/";

let h: Harness;
let sm: SecretsManagerClient;
let ddb: DynamoDBClient;
let provisioner: ReturnType<typeof createProvisioner>;
let customResource: ReturnType<typeof createCustomResourceHandler>;
/** The loopback stand-in for CloudFormation's presigned ResponseURL. */
let responses: ResponseEndpoint;

type Item = Record<string, unknown>;

/** What a driver answers, in the matrix's words: an HTTP status, an SQS delivery, a CloudFormation status. */
type Outcome = number | "ok" | "batch item failure" | "SUCCESS" | "FAILED";

/** One answer of a driver, and its raw text (searched for the canaries). */
interface Answer {
  outcome: Outcome;
  text: string;
  headers?: Headers;
}

/** What a request acts on: the organization, and the connection made for rotate and delete. */
interface Target {
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

interface Case {
  call: string;
  /** Which call of that command in the operation (1-based), when it makes several. */
  nth?: number;
  when: FaultTiming;
  /** The answer of the identical retry once the fault is removed. */
  retry: Outcome;
  why: string;
  /** Whether the retry answers `Idempotent-Replayed: true`; HTTP create with a key only. */
  replayed?: boolean;
  /** Connections (and secrets) the organization ends with; create without a key only. */
  connections?: number;
  /** Orphan secrets left after the retry, which the reconciler must schedule for deletion. Default 0. */
  orphans?: number;
}

/** How a driver answers a failed AWS call: the same for every operation it runs. */
interface Driver {
  /** The first answer when an AWS call fails. */
  failure: Outcome;
  /** What else a failed first answer must say. */
  expectFailure(first: Answer, target: Target): void | Promise<void>;
}

interface Operation extends Driver {
  title: string;
  /** The invariant this operation adds to the printed matrix, e.g. one connection per key. */
  invariant?: string;
  /** The answer of the no-fault run. */
  success: Outcome;
  /** Creates what the request acts on and warms the key and connector caches: the request then makes only its own calls. */
  prepare(org: TestOrganization): Promise<Target>;
  send(target: Target): Promise<Answer>;
  /** Operation-specific end state, after the retry and the reconciler. */
  settle(target: Target, state: Backend, scenario: Case, retry: Answer): Promise<void>;
  cases: Case[];
}

interface Backend {
  /** Every item of the organization (connections, API keys, the organization). */
  items: Item[];
  records: Item[];
  /** Secrets under the organization's prefix, including those scheduled for deletion. */
  secrets: SecretListEntry[];
  /** Every secret of the account, including those scheduled for deletion. */
  allSecrets: SecretListEntry[];
}

const newToken = () => `sk_fault_${randomBytes(12).toString("hex")}`;
const bearer = (token: string) => ({ security: { authMethod: "bearer", token } });
const parsed = <T>(answer: Answer) => JSON.parse(answer.text) as T;

async function warmCaches(org: TestOrganization): Promise<void> {
  expect((await h.request("GET", "/v1/me", { key: org.adminKey })).status).toBe(200);
  expect((await h.request("GET", "/v1/connectors/stripe", { key: org.adminKey })).status).toBe(200);
}

function createRequest(target: Target): Promise<Response> {
  return h.request("POST", "/v1/connectors/stripe/connections", {
    key: target.org.adminKey,
    body: { name: "Stripe", ...bearer(target.token) },
    ...(target.idempotencyKey ? { headers: { "idempotency-key": target.idempotencyKey } } : {}),
  });
}

async function withConnection(org: TestOrganization): Promise<Target> {
  const target: Target = { org, token: newToken(), rotated: newToken() };
  const res = await createRequest(target);
  expect(res.status, await res.clone().text()).toBe(201);
  const created = await json<{ id: string; auth_aws_arn: string }>(res);
  await warmCaches(org);
  return { ...target, connection: { id: created.id, arn: created.auth_aws_arn } };
}

const connectionOf = (target: Target) => {
  if (!target.connection) throw new Error("the target has no connection");
  return target.connection;
};

// --- The drivers: HTTP, the SQS provisioner, the CloudFormation custom resource -----------------

/** HTTP: a failed AWS call answers 503 with a problem document; the retry is the identical request. */
const overHttp: Driver = {
  failure: 503,
  expectFailure(first) {
    expect(first.headers?.get("content-type")).toContain("application/problem+json");
    expect(JSON.parse(first.text)).toMatchObject({ status: 503, code: "dependency_unavailable" });
  },
};

async function http(request: Promise<Response>): Promise<Answer> {
  const res = await request;
  return { outcome: res.status, text: await res.text(), headers: res.headers };
}

const messageOf = (target: Target) => {
  if (!target.message) throw new Error("the target has no SQS message");
  return target.message;
};

/**
 * SQS: a failed AWS call is a DependencyUnavailableError, which the provisioner deems retryable: a
 * batch item failure, so SQS redelivers the same record (and no provisioning_failed event).
 */
const overSqs: Driver & Pick<Operation, "success" | "send"> = {
  success: "ok",
  failure: "batch item failure",
  send: (target) => deliver(messageOf(target)),
  async expectFailure(_first, target) {
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
async function deliver(record: SQSRecord): Promise<Answer> {
  const result = await provisioner({ Records: [sqsRecord("{not json"), record] });
  const text = JSON.stringify(result);
  if (result.batchItemFailures.length === 0) return { outcome: "ok", text };
  expect(result.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
  return { outcome: "batch item failure", text };
}

function provisioningMessage(target: Target, action: string, fields: Record<string, unknown>): Target {
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

const eventOf = (target: Target) => {
  if (!target.event) throw new Error("the target has no CloudFormation request");
  return target.event;
};

/**
 * CloudFormation: every fault surfaces as a DependencyUnavailableError, a DomainError, which the
 * handler answers FAILED with its code as the reason (a Create with its `failed-` placeholder id).
 */
const overCloudFormation: Driver & Pick<Operation, "success" | "send"> = {
  success: "SUCCESS",
  failure: "FAILED",
  send: (target) => invoke(eventOf(target)),
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
async function invoke(event: CloudFormationCustomResourceEvent): Promise<Answer> {
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
const connectionProperties = (org: TestOrganization, token: string) => ({
  OrganizationId: org.id,
  ConnectorId: "stripe",
  Name: "Stripe",
  Security: bearer(token).security,
});

/** A connection made by a stack's Create, and the stack's next request about it. */
async function withStackConnection(
  org: TestOrganization,
  next: (
    stack: ReturnType<typeof cloudFormationStack>,
    target: Target & { connection: { id: string; arn: string } },
  ) => CloudFormationCustomResourceEvent,
): Promise<Target> {
  await warmCaches(org);
  const stack = cloudFormationStack(responses.url);
  const target = { org, token: newToken(), rotated: newToken() };
  const created = await invoke(stack.create(connectionProperties(org, target.token)));
  expect(created.outcome, created.text).toBe("SUCCESS");
  const { PhysicalResourceId: id, Data } = parsed<CfnResponse>(created);
  const made = { ...target, connection: { id, arn: Data.AuthAwsArn ?? "" } };
  return { ...made, event: next(stack, made) };
}

// --- The backend and the invariants ----------------------------------------------------------

async function backend(organizationId: string): Promise<Backend> {
  const items: Item[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await ddb.send(
      new ScanCommand({
        TableName: TABLE,
        FilterExpression: "organization_id = :org",
        ExpressionAttributeValues: { ":org": { S: organizationId } },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  const allSecrets: SecretListEntry[] = [];
  for await (const page of paginateListSecrets({ client: sm }, { IncludePlannedDeletion: true })) {
    allSecrets.push(...(page.SecretList ?? []));
  }
  return {
    items,
    records: items.filter((item) => item.entity === "connection"),
    secrets: allSecrets.filter((secret) => secret.Name?.startsWith(`${SECRET_PREFIX}${organizationId}/`)),
    allSecrets,
  };
}

/** Invariant 2, first half: a record never points at a missing (or scheduled) secret. */
function expectNoDanglingRecord(state: Backend): void {
  const dangling = state.records
    .filter((record) => record.auth_aws_arn !== null && record.auth_aws_arn !== undefined)
    .filter((record) => {
      const secret = state.allSecrets.find((s) => s.ARN === record.auth_aws_arn);
      return !secret || secret.DeletedDate !== undefined;
    })
    .map((record) => `${String(record.id)} → ${String(record.auth_aws_arn)}`);
  expect(dangling, "records whose secret is missing or scheduled for deletion").toEqual([]);
}

/** Live secrets under the organization's prefix that no record points at. */
const orphansOf = (state: Backend) =>
  state.secrets
    .filter((secret) => secret.DeletedDate === undefined)
    .filter((secret) => !state.records.some((record) => record.auth_aws_arn === secret.ARN))
    .map((secret) => secret.Name);

/** Invariant 2, second half: every live secret under the prefix belongs to a record. */
function expectNoOrphan(state: Backend): void {
  expect(orphansOf(state), "live secrets that no record points at").toEqual([]);
}

/** Invariant 1: no credential value in an answer, an item or an event. */
function expectNoLeak(target: Target, ...texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(target.token);
    expect(text).not.toContain(target.rotated);
  }
}

async function secretValue(arn: string, stage: "AWSCURRENT" | "AWSPREVIOUS"): Promise<unknown> {
  const value = await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }));
  return JSON.parse(value.SecretString ?? "null");
}

/** Invariant 3: one connection for the key, with one live secret, which it points at. */
function expectOneConnection(state: Backend, id: string): void {
  expect(state.records).toHaveLength(1);
  expect(state.secrets).toHaveLength(1);
  expect(state.records[0]).toMatchObject({ id, auth_aws_arn: state.secrets[0]?.ARN });
  expect(state.secrets[0]?.DeletedDate).toBeUndefined();
}

/** The connection's secret holds the rotated credentials as one new version, the old ones as AWSPREVIOUS. */
async function expectRotatedOnce(target: Target, state: Backend): Promise<void> {
  const { id, arn } = connectionOf(target);
  expect(state.records).toHaveLength(1);
  expect(state.records[0]).toMatchObject({ id, auth_aws_arn: arn, status: "active" });
  expect(await secretValue(arn, "AWSCURRENT")).toEqual(bearer(target.rotated));
  // Soft, so that a second rotation reports both of its traces: the version and the lost AWSPREVIOUS.
  expect.soft(state.records[0]?.credentials, "the record after one rotation").toMatchObject({ version: 2 });
  expect
    .soft(await secretValue(arn, "AWSPREVIOUS"), "the credentials before the rotation")
    .toEqual(bearer(target.token));
}

/** No record; the secret scheduled for deletion with the recovery window, or gone with `force`. */
function expectDeleted(target: Target, state: Backend, force: boolean): void {
  expect(state.records).toHaveLength(0);
  if (force) {
    expect(state.secrets, "the secret is gone at once").toHaveLength(0);
  } else {
    expect(state.secrets).toHaveLength(1);
    expect(state.secrets[0]?.ARN).toBe(connectionOf(target).arn);
    expect(state.secrets[0]?.DeletedDate, "the secret is scheduled for deletion").toBeInstanceOf(Date);
  }
}

// --- The operations --------------------------------------------------------------------------

/** Rotation reads the record, writes the secret's next version, then the record: the same for every driver. */
const rotateCases = (ok: Outcome, again: string): Case[] => [
  { call: "GetItemCommand", when: "before", retry: ok, why: "nothing was written yet" },
  { call: "GetItemCommand", when: "after", retry: ok, why: "a read changes nothing" },
  { call: "PutSecretValueCommand", when: "before", retry: ok, why: "nothing was written yet" },
  {
    call: "PutSecretValueCommand",
    when: "after",
    retry: ok,
    why: "the retry's PutSecretValue replays the same ClientRequestToken",
  },
  {
    call: "PutItemCommand",
    when: "before",
    retry: ok,
    why: "the secret holds the new version; the retry replays its token and writes the record",
  },
  {
    call: "PutItemCommand",
    when: "after",
    retry: ok,
    why: `the rotation was complete; ${again} must not rotate a second time`,
  },
];

const operations: Operation[] = [
  {
    title: "create with an Idempotency-Key",
    invariant: "one connection per Idempotency-Key",
    ...overHttp,
    success: 201,
    async prepare(org) {
      await warmCaches(org);
      return {
        org,
        token: newToken(),
        rotated: newToken(),
        idempotencyKey: `key-${randomBytes(8).toString("hex")}`,
      };
    },
    send: (target) => http(createRequest(target)),
    async settle(_target, state, scenario, retry) {
      expect(retry.headers?.get("idempotent-replayed")).toBe(scenario.replayed ? "true" : null);
      const body = parsed<{ id: string; auth_aws_arn: string }>(retry);
      expectOneConnection(state, body.id);
      expect(body.auth_aws_arn).toBe(state.secrets[0]?.ARN);
    },
    cases: [
      { call: "CreateSecretCommand", when: "before", retry: 201, why: "nothing was written yet" },
      {
        call: "CreateSecretCommand",
        when: "after",
        retry: 201,
        why: "the retry's CreateSecret replays the same ClientRequestToken",
      },
      {
        call: "PutItemCommand",
        when: "before",
        retry: 201,
        why: "the keyed secret is kept and the retry converges on it",
      },
      {
        call: "PutItemCommand",
        when: "after",
        retry: 201,
        replayed: true,
        why: "the retry finds the record the first attempt wrote and replays it",
      },
    ],
  },
  {
    title: "create without an Idempotency-Key",
    ...overHttp,
    success: 201,
    async prepare(org) {
      await warmCaches(org);
      return { org, token: newToken(), rotated: newToken() };
    },
    send: (target) => http(createRequest(target)),
    async settle(_target, state, scenario, retry) {
      const body = parsed<{ id: string; auth_aws_arn: string }>(retry);
      const expected = scenario.connections ?? 1;
      expect(state.records).toHaveLength(expected);
      expect(state.secrets, "every secret of the organization, scheduled ones included").toHaveLength(
        expected,
      );
      expect(state.records.map((record) => record.id)).toContain(body.id);
    },
    cases: [
      { call: "CreateSecretCommand", when: "before", retry: 201, why: "nothing was written yet" },
      {
        call: "CreateSecretCommand",
        when: "after",
        retry: 201,
        why: "the secret of the lost response is force-deleted in-line",
      },
      {
        call: "PutItemCommand",
        when: "before",
        retry: 201,
        why: "compensation sees no record and force-deletes the secret",
      },
      {
        call: "PutItemCommand",
        when: "after",
        retry: 201,
        connections: 2,
        why: "without a key the retry is a new connection: two connections, each with its own secret",
      },
    ],
  },
  {
    title: "rotate credentials",
    ...overHttp,
    success: 200,
    prepare: withConnection,
    send: (target) =>
      http(
        h.request("PUT", `/v1/connections/${connectionOf(target).id}/credentials`, {
          key: target.org.adminKey,
          body: bearer(target.rotated),
        }),
      ),
    settle: expectRotatedOnce,
    cases: rotateCases(200, "the identical PUT"),
  },
  ...[false, true].map(
    (force): Operation => ({
      title: force ? "delete with force=true" : "delete",
      ...overHttp,
      success: 204,
      prepare: withConnection,
      send: (target) =>
        http(
          h.request("DELETE", `/v1/connections/${connectionOf(target).id}${force ? "?force=true" : ""}`, {
            key: target.org.adminKey,
          }),
        ),
      async settle(target, state) {
        expectDeleted(target, state, force);
      },
      cases: [
        { call: "DeleteItemCommand", when: "before", retry: 204, why: "nothing was deleted yet" },
        {
          call: "DeleteItemCommand",
          when: "after",
          retry: 204,
          why: "the record is gone but not the secret; the retry finds the secret by name",
        },
        {
          call: "DeleteSecretCommand",
          when: "before",
          retry: 204,
          why: "the record is gone but not the secret; the retry finds the secret by name",
        },
        {
          call: "DeleteSecretCommand",
          when: "after",
          retry: 404,
          why: force
            ? "the first attempt in fact completed: no record and the secret is gone"
            : "the first attempt in fact completed: no record and the secret is already scheduled",
        },
      ],
    }),
  ),
  {
    title: "provisioning create",
    invariant: "one connection per idempotency_key",
    ...overSqs,
    async prepare(org) {
      await warmCaches(org);
      const target = {
        org,
        token: newToken(),
        rotated: newToken(),
        idempotencyKey: `key-${randomBytes(8).toString("hex")}`,
      };
      return provisioningMessage(target, "create", {
        connector_id: "stripe",
        body: { name: "Stripe", ...bearer(target.token) },
      });
    },
    async settle(target, state) {
      expectOneConnection(state, connectionIdFor(target.org.id, target.idempotencyKey ?? ""));
    },
    cases: [
      { call: "CreateSecretCommand", when: "before", retry: "ok", why: "nothing was written yet" },
      {
        call: "CreateSecretCommand",
        when: "after",
        retry: "ok",
        why: "the redelivery's CreateSecret replays the same ClientRequestToken (from the idempotency_key)",
      },
      {
        call: "PutItemCommand",
        when: "before",
        retry: "ok",
        why: "the keyed secret is kept and the redelivery converges on it",
      },
      {
        call: "PutItemCommand",
        when: "after",
        retry: "ok",
        why: "the redelivery finds the record the first delivery wrote: a replay, still one connection",
      },
    ],
  },
  {
    title: "provisioning rotate_credentials",
    ...overSqs,
    async prepare(org) {
      const target = await withConnection(org);
      return provisioningMessage(target, "rotate_credentials", {
        connection_id: connectionOf(target).id,
        body: bearer(target.rotated),
      });
    },
    settle: expectRotatedOnce,
    cases: rotateCases("ok", "the redelivery"),
  },
  ...[false, true].map(
    (force): Operation => ({
      title: force ? "provisioning delete with force" : "provisioning delete",
      ...overSqs,
      async prepare(org) {
        const target = await withConnection(org);
        return provisioningMessage(target, "delete", {
          connection_id: connectionOf(target).id,
          ...(force ? { body: { force: true } } : {}),
        });
      },
      async settle(target, state) {
        expectDeleted(target, state, force);
      },
      cases: [
        { call: "DeleteItemCommand", when: "before", retry: "ok", why: "nothing was deleted yet" },
        {
          call: "DeleteItemCommand",
          when: "after",
          retry: "ok",
          why: "the record is gone but not the secret; the redelivery finds the secret by name",
        },
        {
          call: "DeleteSecretCommand",
          when: "before",
          retry: "ok",
          why: "the record is gone but not the secret; the redelivery finds the secret by name",
        },
        {
          call: "DeleteSecretCommand",
          when: "after",
          retry: "ok",
          why: `the first delivery in fact completed (the secret is ${force ? "gone" : "already scheduled"}); the redelivery's not-found counts as done`,
        },
      ],
    }),
  ),
  {
    title: "custom resource Create",
    invariant: "one connection per RequestId",
    ...overCloudFormation,
    async prepare(org) {
      await warmCaches(org);
      const target = { org, token: newToken(), rotated: newToken() };
      const event = cloudFormationStack(responses.url).create(connectionProperties(org, target.token));
      return { ...target, event };
    },
    async settle(_target, state, _scenario, retry) {
      const response = parsed<CfnResponse>(retry);
      expect(response.PhysicalResourceId).toMatch(/^conn_/);
      // One connection per RequestId: the retry converges on the id its key (from the RequestId) names.
      expectOneConnection(state, response.PhysicalResourceId);
      expect(response.Data).toEqual({
        ConnectionId: response.PhysicalResourceId,
        AuthAwsArn: state.secrets[0]?.ARN,
      });
    },
    cases: [
      {
        call: "CreateSecretCommand",
        when: "before",
        retry: "SUCCESS",
        why: "FAILED; nothing was written yet",
      },
      {
        call: "CreateSecretCommand",
        when: "after",
        retry: "SUCCESS",
        why: "FAILED although the secret was written; the retry's CreateSecret replays the ClientRequestToken the RequestId determines",
      },
      {
        call: "PutItemCommand",
        when: "before",
        retry: "SUCCESS",
        why: "FAILED; the keyed secret is kept and the retry converges on it",
      },
      {
        call: "PutItemCommand",
        when: "after",
        retry: "SUCCESS",
        why: "FAILED although the connection was made; the retry finds it under the RequestId's key and replays it",
      },
    ],
  },
  {
    title: "custom resource Update (new Security)",
    ...overCloudFormation,
    prepare: (org) =>
      withStackConnection(org, (stack, target) =>
        stack.update(
          target.connection.id,
          connectionProperties(org, target.rotated),
          connectionProperties(org, target.token),
        ),
      ),
    async settle(target, state, _scenario, retry) {
      const { id, arn } = connectionOf(target);
      expect(parsed<CfnResponse>(retry)).toMatchObject({
        PhysicalResourceId: id,
        Data: { ConnectionId: id, AuthAwsArn: arn },
      });
      await expectRotatedOnce(target, state);
    },
    // Only Security changed: the update is a rotation alone (no field is patched).
    cases: rotateCases("SUCCESS", "the retry (same RequestId)").map((c) => ({
      ...c,
      why: `FAILED; ${c.why}`,
    })),
  },
  {
    title: "custom resource Delete",
    ...overCloudFormation,
    prepare: (org) =>
      withStackConnection(org, (stack, target) =>
        stack.delete(target.connection.id, connectionProperties(org, target.token)),
      ),
    async settle(target, state, _scenario, retry) {
      expect(parsed<CfnResponse>(retry)).toMatchObject({ PhysicalResourceId: connectionOf(target).id });
      expectDeleted(target, state, false);
    },
    cases: [
      { call: "DeleteItemCommand", when: "before", retry: "SUCCESS", why: "FAILED; nothing was deleted yet" },
      {
        call: "DeleteItemCommand",
        when: "after",
        retry: "SUCCESS",
        why: "FAILED; the record is gone but not the secret, and the retry finds the secret by name",
      },
      {
        call: "DeleteSecretCommand",
        when: "before",
        retry: "SUCCESS",
        why: "FAILED; the record is gone but not the secret, and the retry finds the secret by name",
      },
      {
        call: "DeleteSecretCommand",
        when: "after",
        retry: "SUCCESS",
        why: "FAILED although the delete completed (the lost response is dependency_unavailable); the retry's not-found counts as deleted",
      },
    ],
  },
];

/** One row of the printed fault matrix per case that passed. */
const matrix: {
  operation: string;
  call: string;
  when: FaultTiming;
  first: Outcome;
  retry: Outcome;
  reconciler: string;
  invariants: string;
}[] = [];

/** The calls of each operation's no-fault run, in order: the cases must cover exactly these. */
const baseline = new Map<string, RecordedCall[]>();

const label = (command: string, nth: number, when: FaultTiming) => `${command}#${nth} ${when}`;

beforeAll(async () => {
  h = await startHarness();
  sm = secretsManagerClient(h.edge.url);
  ddb = dynamoClient(h.edge.url);
  responses = await startResponseEndpoint();
  provisioner = createProvisioner(h.services, { messagesPerSecond: 1000 });
  customResource = createCustomResourceHandler(h.services);
  for (const operation of operations) {
    const target = await operation.prepare(await createOrganization(h));
    const start = h.calls.length;
    const answer = await operation.send(target);
    expect(answer.outcome, answer.text).toBe(operation.success);
    baseline.set(operation.title, h.calls.slice(start));
  }
});

afterAll(async () => {
  if (matrix.length > 0) {
    const rows = matrix.map(
      (r) =>
        `| ${r.operation} | ${r.call} | ${r.when} | ${r.first} | ${r.retry} | ${r.reconciler} | ${r.invariants} |`,
    );
    console.log(
      [
        `Fault matrix (${matrix.length} rows)`,
        "| operation | AWS call | fails | first answer | retry | reconciler | invariants |",
        "|---|---|---|---|---|---|---|",
        ...rows,
      ].join("\n"),
    );
  }
  sm?.destroy();
  ddb?.destroy();
  await responses?.close();
  await h?.close();
});

for (const operation of operations) {
  describe(`${operation.title} under a failed AWS call, then an identical retry and the reconciler`, () => {
    it("covers every AWS call of the no-fault run, failed before and after it is applied", () => {
      const calls = baseline.get(operation.title) ?? [];
      expect(calls.length).toBeGreaterThan(0);
      const seen = new Map<string, number>();
      const expected = calls.flatMap(({ command }) => {
        const nth = (seen.get(command) ?? 0) + 1;
        seen.set(command, nth);
        return (["before", "after"] as const).map((when) => label(command, nth, when));
      });
      const covered = operation.cases.map((c) => label(c.call, c.nth ?? 1, c.when));
      expect(covered.sort()).toEqual(expected.sort());
    });

    for (const scenario of operation.cases) {
      const call = `${scenario.call}${scenario.nth ? `#${scenario.nth}` : ""}`;
      const name = `${call} failing ${scenario.when} it is applied → ${operation.failure}, then the retry → ${scenario.retry}: ${scenario.why}`;
      it(name, async () => {
        // Prepare: a new organization, and the command's client from the no-fault run.
        const target = await operation.prepare(await createOrganization(h));
        const recorded = baseline.get(operation.title)?.find((call) => call.command === scenario.call);
        expect(recorded, `${scenario.call} is not among the calls of the no-fault run`).toBeDefined();
        const options = { command: scenario.call, when: scenario.when, nth: scenario.nth ?? 1 };
        const fault =
          recorded?.service === "dynamodb"
            ? injectFault(h.services.clients.dynamo, options)
            : injectFault(h.services.clients.secrets, options);

        // Act: the failed attempt.
        let first: Answer;
        try {
          first = await operation.send(target);
        } finally {
          fault.remove();
        }

        // Assess: a transient failure, and no record points at a missing secret even now.
        expect(fault.fired, "the fault fired exactly once").toBe(1);
        expect(first.outcome, first.text).toBe(operation.failure);
        await operation.expectFailure(first, target);
        expectNoDanglingRecord(await backend(target.org.id));

        // Act: the identical retry.
        const retry = await operation.send(target);
        expect(retry.outcome, retry.text).toBe(scenario.retry);
        const settled = await backend(target.org.id);
        expectNoDanglingRecord(settled);

        // Act: one reconciler run, with no grace period, so that any orphan is due.
        const report = await h.services.reconciler.run({ graceMs: 0 });

        // Assess: it removed exactly the orphans the code path left, and left the records alone.
        expect(report.failures).toEqual([]);
        const state = await backend(target.org.id);
        expect(state.records, "the reconciler leaves a correct end state alone").toEqual(settled.records);
        const removed = orphansOf(settled).filter((name) => !orphansOf(state).includes(name));
        expect(orphansOf(settled), "orphans after the retry").toHaveLength(scenario.orphans ?? 0);
        expect(removed, "orphans the reconciler scheduled for deletion").toEqual(orphansOf(settled));

        // Assess: the invariants, then the operation's own end state.
        expectNoDanglingRecord(state);
        expectNoOrphan(state);
        await h.edge.stream.drain();
        expectNoLeak(
          target,
          first.text,
          retry.text,
          JSON.stringify(state.items),
          JSON.stringify(h.edge.events.events),
        );
        await operation.settle(target, state, scenario, retry);
        matrix.push({
          operation: operation.title,
          call,
          when: scenario.when,
          first: first.outcome,
          retry: retry.outcome,
          reconciler: removed.length > 0 ? `scheduled ${removed.length} orphan(s)` : "nothing to do",
          invariants: ["no orphan", "no dangling ARN", operation.invariant, "no canary"]
            .filter(Boolean)
            .join(", "),
        });
      });
    }
  });
}

describe("injectFault", () => {
  const exists = (name: string) =>
    sm.send(new DescribeSecretCommand({ SecretId: name })).then(
      () => true,
      () => false,
    );

  it.each(["before", "after"] as const)(
    "fails the call %s it reaches the endpoint, as a transient server fault",
    async (when) => {
      const name = `fault-helper/${when}-${randomBytes(6).toString("hex")}`;
      const fault = injectFault(sm, { command: "CreateSecretCommand", when });
      try {
        await expect(sm.send(new CreateSecretCommand({ Name: name, SecretString: "x" }))).rejects.toSatisfy(
          (error) =>
            error instanceof InjectedServiceUnavailable &&
            error.name === "ServiceUnavailable" &&
            error.$fault === "server" &&
            error.$metadata.httpStatusCode === 503,
        );
      } finally {
        fault.remove();
      }
      expect(fault.fired).toBe(1);
      expect(await exists(name)).toBe(when === "after");
    },
  );

  it("fails only the nth matching call, `times` times, and nothing once removed", async () => {
    const fault = injectFault(sm, { command: "DescribeSecretCommand", when: "before", nth: 2, times: 2 });
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(
        await sm.send(new DescribeSecretCommand({ SecretId: "fault-helper/missing" })).then(
          () => "found",
          (error: Error) => error.name,
        ),
      );
    }
    fault.remove();
    const after = await sm
      .send(new DescribeSecretCommand({ SecretId: "fault-helper/missing" }))
      .catch((error: Error) => error.name);
    expect(outcomes).toEqual([
      "ResourceNotFoundException",
      "ServiceUnavailable",
      "ServiceUnavailable",
      "ResourceNotFoundException",
    ]);
    expect([fault.seen, fault.fired, after]).toEqual([4, 2, "ResourceNotFoundException"]);
  });
});
