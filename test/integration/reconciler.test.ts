import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  type SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-secrets-manager";
import { SECRET_GONE_REASON, SECRET_NOT_ADOPTABLE_REASON, SECRET_SCHEDULED_REASON } from "@connvault/core";
import { createReconciler } from "@connvault/functions";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { secretsManagerClient } from "../helpers/aws.ts";
import { injectFault } from "../helpers/faults.ts";
import {
  createOrganization,
  type Harness,
  json,
  startHarness,
  type TestOrganization,
} from "../helpers/harness.ts";
import { withTagCondition } from "../helpers/iam.ts";

const HOUR = 3_600_000;

// Each test gets its own backend (the reconciler keeps a cursor item in the table) and a clock it
// can move forward: Secrets Manager dates stay real, so "two hours later" makes secrets old.
let h: Harness;
let sm: SecretsManagerClient;
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };

beforeEach(async () => {
  offsetMs = 0;
  h = await startHarness({ overrides: { clock } });
  sm = secretsManagerClient(h.edge.url);
});
afterEach(async () => {
  sm.destroy();
  await h.close();
});

const reconcile = (options?: Parameters<Harness["services"]["reconciler"]["run"]>[0]) =>
  h.services.reconciler.run(options);
const managedName = (organizationId: string, connectionId: string) =>
  `${h.services.config.secretPrefix}/connections/${organizationId}/${connectionId}`;
const commandsSince = (from: number) => h.calls.slice(from).map((c) => c.command);
const WRITES = ["DeleteSecretCommand", "PutItemCommand", "PutSecretValueCommand", "CreateSecretCommand"];

/** A secret under connvault's namespace that no record points at (a create that never finished). */
async function straySecret(name: string): Promise<string> {
  const created = await sm.send(
    new CreateSecretCommand({ Name: name, SecretString: '{"security":{"token":"stray"}}' }),
  );
  return created.ARN ?? "";
}

const describeSecret = (id: string) => sm.send(new DescribeSecretCommand({ SecretId: id }));

async function connect(org: TestOrganization, connectorId: string, body: Record<string, unknown>) {
  const res = await h.request("POST", `/v1/connectors/${connectorId}/connections`, {
    key: org.adminKey,
    body: { name: connectorId, ...body },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return json<{ id: string; auth_aws_arn: string | null; status: string }>(res);
}

const bearer = (token = "sk_test_reconciler") => ({ security: { authMethod: "bearer", token } });

async function connection(org: TestOrganization, id: string) {
  const res = await h.request("GET", `/v1/connections/${id}`, { key: org.adminKey });
  expect(res.status).toBe(200);
  return { etag: res.headers.get("etag"), body: await json(res) };
}

async function eventsOf(connectionId: string) {
  await h.edge.stream.drain();
  return h.edge.events.events.filter(
    (e) => (e.detail as { connection?: { id?: string } }).connection?.id === connectionId,
  );
}

describe("the reconciler's orphan secrets", () => {
  it("schedules a secret without a record, older than the grace period, for deletion with the 7-day window", async () => {
    const name = managedName("org_gone", "conn_gone");
    const arn = await straySecret(name);
    offsetMs = 2 * HOUR;
    const from = h.calls.length;

    const report = await reconcile();

    expect(report).toEqual({
      secretsScanned: 1,
      orphansDeleted: 1,
      recordsScanned: 0,
      recordsMarked: 0,
      truncated: false,
      failures: [],
    });
    expect((await describeSecret(name)).DeletedDate).toBeDefined();
    const deletes = h.calls.slice(from).filter((c) => c.command === "DeleteSecretCommand");
    expect(deletes.map((c) => c.input)).toEqual([{ SecretId: arn, RecoveryWindowInDays: 7 }]);
    expect(commandsSince(from)).not.toContain("GetSecretValueCommand");
  });

  it("leaves a fresh one alone, so a create in flight (secret written, record not yet) survives", async () => {
    const name = managedName("org_inflight", "conn_inflight");
    await straySecret(name);
    offsetMs = 59 * 60_000;

    expect(await reconcile()).toMatchObject({ secretsScanned: 1, orphansDeleted: 0 });
    expect((await describeSecret(name)).DeletedDate).toBeUndefined();
    // The grace period is an option: without one, the same secret goes.
    expect(await reconcile({ graceMs: 0 })).toMatchObject({ orphansDeleted: 1 });
  });

  it("leaves a secret already scheduled for deletion alone", async () => {
    const name = managedName("org_sched", "conn_sched");
    await straySecret(name);
    await sm.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 30 }));
    const before = await describeSecret(name);
    offsetMs = 2 * HOUR;
    const from = h.calls.length;

    expect(await reconcile()).toMatchObject({ secretsScanned: 1, orphansDeleted: 0, failures: [] });
    expect(commandsSince(from)).not.toContain("DeleteSecretCommand");
    expect((await describeSecret(name)).DeletedDate).toEqual(before.DeletedDate);
  });

  it("never touches healthy connections, secrets outside the namespace, or names it did not make", async () => {
    const org = await createOrganization(h);
    const managed = await connect(org, "stripe", bearer());
    const plain = await connect(org, "open-meteo", {});
    await sm.send(
      new CreateSecretCommand({
        Name: `byo/${org.id}/theirs`,
        SecretString: "{}",
        Tags: [{ Key: "connvault:organization_id", Value: org.id }],
      }),
    );
    const adopted = await connect(org, "stripe", {
      auth_aws_arn: (await describeSecret(`byo/${org.id}/theirs`)).ARN,
    });
    const odd = `${h.services.config.secretPrefix}/connections/not-a-connection`;
    await straySecret(odd);
    const before = await Promise.all([managed, plain, adopted].map((c) => connection(org, c.id)));
    offsetMs = 2 * HOUR;
    const from = h.calls.length;

    const report = await reconcile();

    expect(report).toMatchObject({ orphansDeleted: 0, recordsScanned: 3, recordsMarked: 0, failures: [] });
    expect(commandsSince(from).filter((c) => WRITES.includes(c))).toEqual([]);
    const after = await Promise.all([managed, plain, adopted].map((c) => connection(org, c.id)));
    expect(after).toEqual(before);
    expect(after.map((c) => c.body.status)).toEqual(["active", "active", "active"]);
    for (const name of [managedName(org.id, managed.id), `byo/${org.id}/theirs`, odd]) {
      expect((await describeSecret(name)).DeletedDate, name).toBeUndefined();
    }
  });
});

describe("the reconciler's dangling records", () => {
  it("marks a record whose secret was force-deleted credentials_missing and emits connection.health_changed", async () => {
    const org = await createOrganization(h);
    const created = await connect(org, "stripe", {
      ...bearer(),
      headers: { "X-Tenant": "t-1" },
    });
    await sm.send(
      new DeleteSecretCommand({
        SecretId: managedName(org.id, created.id),
        ForceDeleteWithoutRecovery: true,
      }),
    );
    const from = h.calls.length;

    const report = await reconcile();

    expect(report).toMatchObject({ recordsScanned: 1, recordsMarked: 1, failures: [] });
    const { body } = await connection(org, created.id);
    expect(body).toMatchObject({
      status: "credentials_missing",
      credentials: null,
      auth_aws_arn: null,
      header_names: [],
      health_reason: SECRET_GONE_REASON,
    });
    expect(commandsSince(from)).not.toContain("GetSecretValueCommand");
    const events = await eventsOf(created.id);
    expect(events.map((e) => e.detail_type)).toEqual(["connection.created", "connection.health_changed"]);
    expect(events[1]?.detail).toMatchObject({
      actor: { type: "system", id: "reconciler" },
      connection: { status: "credentials_missing", health_reason: SECRET_GONE_REASON },
    });
  });

  it("treats a secret scheduled for deletion as gone; an OAuth2 connection goes back to pending_authorization", async () => {
    const org = await createOrganization(h);
    const scheduled = await connect(org, "stripe", bearer());
    const oauth = await connect(org, "slack", {
      security: { authMethod: "oauth2", oauth2Token: { access_token: "xoxb-reconciler" } },
    });
    expect(oauth.status).toBe("active");
    await sm.send(
      new DeleteSecretCommand({ SecretId: managedName(org.id, scheduled.id), RecoveryWindowInDays: 7 }),
    );
    await sm.send(
      new DeleteSecretCommand({ SecretId: managedName(org.id, oauth.id), ForceDeleteWithoutRecovery: true }),
    );

    expect(await reconcile()).toMatchObject({ recordsMarked: 2, orphansDeleted: 0, failures: [] });

    expect((await connection(org, scheduled.id)).body).toMatchObject({
      status: "credentials_missing",
      health_reason: SECRET_SCHEDULED_REASON,
    });
    expect((await connection(org, oauth.id)).body).toMatchObject({
      status: "pending_authorization",
      health_reason: SECRET_GONE_REASON,
    });
    for (const id of [scheduled.id, oauth.id]) {
      expect((await eventsOf(id)).map((e) => e.detail_type)).toContain("connection.health_changed");
    }
  });

  it("handles adopted secrets deleted behind connvault's back the same way, without deleting anything", async () => {
    const org = await createOrganization(h);
    const { ARN: arn } = await sm.send(
      new CreateSecretCommand({
        Name: `byo/${org.id}/adopted`,
        SecretString: '{"token":"theirs"}',
        Tags: [{ Key: "connvault:organization_id", Value: org.id }],
      }),
    );
    const adopted = await connect(org, "stripe", { auth_aws_arn: arn });
    await sm.send(new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }));
    const from = h.calls.length;

    expect(await reconcile()).toMatchObject({ recordsMarked: 1, orphansDeleted: 0, failures: [] });

    expect(commandsSince(from)).not.toContain("DeleteSecretCommand");
    expect((await connection(org, adopted.id)).body).toMatchObject({
      status: "credentials_missing",
      credentials: null,
      auth_aws_arn: null,
      health_reason: SECRET_GONE_REASON,
    });
    const events = await eventsOf(adopted.id);
    expect(events.at(-1)).toMatchObject({
      detail_type: "connection.health_changed",
      detail: { actor: { type: "system", id: "reconciler" } },
    });
  });
});

describe("the reconciler's adopted secrets on AWS, where IAM hides untagged ones outside the prefix", () => {
  it("marks adopted connections whose secret was force-deleted, untagged (both AccessDenied) or retagged, with no failure", async () => {
    const org = await createOrganization(h);
    const other = await createOrganization(h);
    const tag = (value: string) => [{ Key: "connvault:organization_id", Value: value }];
    const arns: string[] = [];
    const adopted = [];
    for (const name of ["deleted", "untagged", "retagged"]) {
      const secret = new CreateSecretCommand({
        Name: `byo/${org.id}/${name}`,
        SecretString: "{}",
        Tags: tag(org.id),
      });
      arns.push((await sm.send(secret)).ARN ?? "");
      adopted.push(await connect(org, "stripe", { auth_aws_arn: arns.at(-1) }));
    }
    const [deletedArn, untaggedArn, retaggedArn] = arns;
    await sm.send(new DeleteSecretCommand({ SecretId: deletedArn, ForceDeleteWithoutRecovery: true }));
    await sm.send(
      new UntagResourceCommand({ SecretId: untaggedArn, TagKeys: ["connvault:organization_id"] }),
    );
    await sm.send(new TagResourceCommand({ SecretId: retaggedArn, Tags: tag(other.id) }));

    const report = await withTagCondition(h, () => reconcile());

    expect(report).toMatchObject({ recordsScanned: 3, recordsMarked: 3, orphansDeleted: 0, failures: [] });
    for (const { id } of adopted) {
      expect((await connection(org, id)).body).toMatchObject({
        status: "credentials_missing",
        auth_aws_arn: null,
        health_reason: SECRET_NOT_ADOPTABLE_REASON,
      });
    }
    for (const arn of [untaggedArn, retaggedArn])
      expect((await describeSecret(arn ?? "")).DeletedDate).toBeUndefined();
  });
});

describe("a reconciler run", () => {
  it("is idempotent: a second run reports no change and writes nothing", async () => {
    const org = await createOrganization(h);
    const dangling = await connect(org, "stripe", bearer());
    await connect(org, "stripe", bearer("sk_test_healthy"));
    await sm.send(
      new DeleteSecretCommand({
        SecretId: managedName(org.id, dangling.id),
        ForceDeleteWithoutRecovery: true,
      }),
    );
    await straySecret(managedName(org.id, "conn_orphan"));
    offsetMs = 2 * HOUR;

    expect(await reconcile()).toMatchObject({ orphansDeleted: 1, recordsMarked: 1, truncated: false });
    const marked = await connection(org, dangling.id);
    await h.edge.stream.drain();
    const events = h.edge.events.events.length;
    const from = h.calls.length;

    expect(await reconcile()).toEqual({
      secretsScanned: 2,
      orphansDeleted: 0,
      recordsScanned: 2,
      recordsMarked: 0,
      truncated: false,
      failures: [],
    });
    expect(commandsSince(from).filter((c) => WRITES.includes(c))).toEqual([]);
    expect(await connection(org, dangling.id)).toEqual(marked);
    await h.edge.stream.drain();
    expect(h.edge.events.events).toHaveLength(events);
  });

  it("stops at its bounds with truncated, and the next runs continue where it stopped", async () => {
    const org = await createOrganization(h);
    for (const n of [1, 2, 3]) await straySecret(managedName(org.id, `conn_orphan${n}`));
    const dangling = [];
    for (const n of [1, 2, 3]) {
      const created = await connect(org, "stripe", bearer(`sk_test_${n}`));
      await sm.send(
        new DeleteSecretCommand({
          SecretId: managedName(org.id, created.id),
          ForceDeleteWithoutRecovery: true,
        }),
      );
      dangling.push(created.id);
    }
    offsetMs = 2 * HOUR;

    const first = await reconcile({ maxSecrets: 2, maxRecords: 2 });
    expect(first).toMatchObject({ secretsScanned: 2, orphansDeleted: 2, recordsScanned: 2, truncated: true });

    const totals = { ...first };
    for (let run = 0; run < 5 && totals.truncated; run++) {
      const next = await reconcile({ maxSecrets: 2, maxRecords: 2 });
      totals.orphansDeleted += next.orphansDeleted;
      totals.recordsMarked += next.recordsMarked;
      totals.truncated = next.truncated;
    }
    expect(totals).toMatchObject({ orphansDeleted: 3, recordsMarked: 3, truncated: false });
    for (const id of dangling) {
      expect((await connection(org, id)).body).toMatchObject({ status: "credentials_missing" });
    }
    // Done: a full run from the start finds nothing left.
    expect(await reconcile()).toMatchObject({ orphansDeleted: 0, recordsMarked: 0, truncated: false });
  });

  it("reports an item whose AWS call failed, goes on with the others, and a later run finishes the job", async () => {
    await straySecret(managedName("org_f", "conn_1"));
    await straySecret(managedName("org_f", "conn_2"));
    offsetMs = 2 * HOUR;
    const fault = injectFault(h.services.clients.secrets, {
      command: "DeleteSecretCommand",
      when: "before",
    });
    let report: Awaited<ReturnType<typeof reconcile>>;
    try {
      report = await reconcile();
    } finally {
      fault.remove();
    }
    expect(report).toMatchObject({
      orphansDeleted: 1,
      failures: [{ item: `secret ${managedName("org_f", "conn_1")}`, error: "DependencyUnavailableError" }],
    });
    expect(await reconcile()).toMatchObject({ orphansDeleted: 1, failures: [] });
    expect(await reconcile()).toMatchObject({ orphansDeleted: 0, failures: [] });
  });

  it("is what the scheduled function runs: it returns the report", async () => {
    await straySecret(managedName("org_fn", "conn_fn"));
    offsetMs = 2 * HOUR;
    const handler = createReconciler(h.services);
    expect(await handler({})).toMatchObject({ orphansDeleted: 1, truncated: false, failures: [] });
  });
});
