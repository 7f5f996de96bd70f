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

const TABLE = "connvault-test";
const SECRET_PREFIX = "connvault/local/connections/";
const ROTATED = { security: { authMethod: "bearer", token: "new" } };

let h: Harness;
let sm: SecretsManagerClient;
let ddb: DynamoDBClient;

type Item = Record<string, unknown>;

/** What a request acts on: the organization, and the connection made for rotate and delete. */
interface Target {
  org: TestOrganization;
  /** The credential value sent when the connection was created (must never leak). */
  token: string;
  idempotencyKey?: string;
  connection?: { id: string; arn: string };
}

interface Case {
  call: string;
  /** Which call of that command in the operation (1-based), when it makes several. */
  nth?: number;
  when: FaultTiming;
  /** The status of the identical retry once the fault is removed. */
  retry: number;
  why: string;
  /** Whether the retry answers `Idempotent-Replayed: true`; create with a key only. */
  replayed?: boolean;
  /** Connections (and secrets) the organization ends with; create without a key only. */
  connections?: number;
}

interface Operation {
  title: string;
  success: number;
  /** Creates what the request acts on and warms the key and connector caches: the request then makes only its own calls. */
  prepare(org: TestOrganization): Promise<Target>;
  send(target: Target): Promise<Response>;
  /** Operation-specific end state, after the retry. */
  settle(target: Target, state: Backend, scenario: Case, retry: Response): Promise<void>;
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

async function warmCaches(org: TestOrganization): Promise<void> {
  expect((await h.request("GET", "/v1/me", { key: org.adminKey })).status).toBe(200);
  expect((await h.request("GET", "/v1/connectors/stripe", { key: org.adminKey })).status).toBe(200);
}

function createRequest(target: Target): Promise<Response> {
  return h.request("POST", "/v1/connectors/stripe/connections", {
    key: target.org.adminKey,
    body: { name: "Stripe", security: { authMethod: "bearer", token: target.token } },
    ...(target.idempotencyKey ? { headers: { "idempotency-key": target.idempotencyKey } } : {}),
  });
}

async function withConnection(org: TestOrganization): Promise<Target> {
  const target: Target = { org, token: newToken() };
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

/** Invariant 2, second half: every live secret under the prefix belongs to a record. */
function expectNoOrphan(state: Backend): void {
  const orphans = state.secrets
    .filter((secret) => secret.DeletedDate === undefined)
    .filter((secret) => !state.records.some((record) => record.auth_aws_arn === secret.ARN))
    .map((secret) => secret.Name);
  expect(orphans, "live secrets that no record points at").toEqual([]);
}

/** Invariant 1: no credential value in a response or an item. */
function expectNoLeak(token: string, ...texts: string[]): void {
  for (const text of texts) expect(text).not.toContain(token);
}

async function secretValue(arn: string, stage: "AWSCURRENT" | "AWSPREVIOUS"): Promise<unknown> {
  const value = await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }));
  return JSON.parse(value.SecretString ?? "null");
}

function createWithKeyOutcome(state: Backend, body: { id: string; auth_aws_arn: string }) {
  expect(state.records).toHaveLength(1);
  expect(state.secrets).toHaveLength(1);
  expect(state.records[0]).toMatchObject({ id: body.id, auth_aws_arn: state.secrets[0]?.ARN });
  expect(body.auth_aws_arn).toBe(state.secrets[0]?.ARN);
  expect(state.secrets[0]?.DeletedDate).toBeUndefined();
}

const operations: Operation[] = [
  {
    title: "create with an Idempotency-Key",
    success: 201,
    async prepare(org) {
      await warmCaches(org);
      return { org, token: newToken(), idempotencyKey: `key-${randomBytes(8).toString("hex")}` };
    },
    send: createRequest,
    async settle(_target, state, scenario, retry) {
      expect(retry.headers.get("idempotent-replayed")).toBe(scenario.replayed ? "true" : null);
      createWithKeyOutcome(state, await json(retry));
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
    success: 201,
    async prepare(org) {
      await warmCaches(org);
      return { org, token: newToken() };
    },
    send: createRequest,
    async settle(_target, state, scenario, retry) {
      const body = await json<{ id: string; auth_aws_arn: string }>(retry);
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
    success: 200,
    prepare: withConnection,
    send: (target) =>
      h.request("PUT", `/v1/connections/${connectionOf(target).id}/credentials`, {
        key: target.org.adminKey,
        body: ROTATED,
      }),
    async settle(target, state) {
      const { id, arn } = connectionOf(target);
      expect(state.records).toHaveLength(1);
      expect(state.records[0]).toMatchObject({ id, auth_aws_arn: arn });
      expect(await secretValue(arn, "AWSCURRENT")).toEqual(ROTATED);
      // Soft, so that a second rotation reports both of its traces: the version and the lost AWSPREVIOUS.
      expect
        .soft(state.records[0]?.credentials, "the record after one rotation")
        .toMatchObject({ version: 2 });
      expect.soft(await secretValue(arn, "AWSPREVIOUS"), "the credentials before the rotation").toEqual({
        security: { authMethod: "bearer", token: target.token },
      });
    },
    cases: [
      { call: "GetItemCommand", when: "before", retry: 200, why: "nothing was written yet" },
      { call: "GetItemCommand", when: "after", retry: 200, why: "a read changes nothing" },
      { call: "PutSecretValueCommand", when: "before", retry: 200, why: "nothing was written yet" },
      {
        call: "PutSecretValueCommand",
        when: "after",
        retry: 200,
        why: "the retry's PutSecretValue replays the same ClientRequestToken",
      },
      {
        call: "PutItemCommand",
        when: "before",
        retry: 200,
        why: "the secret holds the new version; the retry replays its token and writes the record",
      },
      {
        call: "PutItemCommand",
        when: "after",
        retry: 200,
        why: "the rotation was complete; the identical PUT must not rotate a second time",
      },
    ],
  },
  ...[false, true].map(
    (force): Operation => ({
      title: force ? "delete with force=true" : "delete",
      success: 204,
      prepare: withConnection,
      send: (target) =>
        h.request("DELETE", `/v1/connections/${connectionOf(target).id}${force ? "?force=true" : ""}`, {
          key: target.org.adminKey,
        }),
      async settle(target, state) {
        expect(state.records).toHaveLength(0);
        if (force) {
          expect(state.secrets, "the secret is gone at once").toHaveLength(0);
        } else {
          expect(state.secrets).toHaveLength(1);
          expect(state.secrets[0]?.ARN).toBe(connectionOf(target).arn);
          expect(state.secrets[0]?.DeletedDate, "the secret is scheduled for deletion").toBeInstanceOf(Date);
        }
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
];

/** One row of the printed fault matrix per case that passed. */
const matrix: { operation: string; call: string; when: FaultTiming; first: number; retry: number }[] = [];

/** The calls of each operation's no-fault run, in order: the cases must cover exactly these. */
const baseline = new Map<string, RecordedCall[]>();

const label = (command: string, nth: number, when: FaultTiming) => `${command}#${nth} ${when}`;

beforeAll(async () => {
  h = await startHarness();
  sm = secretsManagerClient(h.edge.url);
  ddb = dynamoClient(h.edge.url);
  for (const operation of operations) {
    const target = await operation.prepare(await createOrganization(h));
    const start = h.calls.length;
    const res = await operation.send(target);
    expect(res.status, await res.clone().text()).toBe(operation.success);
    baseline.set(operation.title, h.calls.slice(start));
  }
});

afterAll(async () => {
  if (matrix.length > 0) {
    const rows = matrix.map(
      (r) =>
        `| ${r.operation} | ${r.call} | ${r.when} | ${r.first} | ${r.retry} | no orphan, no dangling ARN, no canary |`,
    );
    console.log(
      [
        "Fault matrix",
        "| operation | AWS call | fails | first answer | retry | invariants |",
        "|---|---|---|---|---|---|",
        ...rows,
      ].join("\n"),
    );
  }
  sm?.destroy();
  ddb?.destroy();
  await h?.close();
});

for (const operation of operations) {
  describe(`${operation.title} under a failed AWS call, then an identical retry`, () => {
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
      const name = `${scenario.call} failing ${scenario.when} it is applied → 503, then the retry → ${scenario.retry}: ${scenario.why}`;
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
        let first: Response;
        try {
          first = await operation.send(target);
        } finally {
          fault.remove();
        }

        // Assess: a transient failure, and no record points at a missing secret even now.
        expect(fault.fired, "the fault fired exactly once").toBe(1);
        const firstText = await first.text();
        expect(first.status, firstText).toBe(503);
        expect(first.headers.get("content-type")).toContain("application/problem+json");
        expect(JSON.parse(firstText)).toMatchObject({ status: 503, code: "dependency_unavailable" });
        expectNoDanglingRecord(await backend(target.org.id));

        // Act: the identical retry.
        const retry = await operation.send(target);
        const retryText = await retry.clone().text();
        expect(retry.status, retryText).toBe(scenario.retry);

        // Assess: the invariants, then the operation's own end state.
        const state = await backend(target.org.id);
        expectNoDanglingRecord(state);
        expectNoOrphan(state);
        expectNoLeak(target.token, firstText, retryText, JSON.stringify(state.items));
        await operation.settle(target, state, scenario, retry);
        matrix.push({
          operation: operation.title,
          call: scenario.call,
          when: scenario.when,
          first: first.status,
          retry: retry.status,
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
