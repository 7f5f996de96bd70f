import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  type SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-secrets-manager";
import { SECRET_GONE_REASON, SECRET_NOT_ADOPTABLE_REASON, SECRET_SCHEDULED_REASON } from "@connvault/core";
import { createReconcilerHandler } from "@connvault/functions";
import { beforeEach, describe, expect } from "vitest";
import { secretsManagerClient } from "../helpers/aws.ts";
import { injectFault } from "../helpers/faults.ts";
import { harnessTest } from "../helpers/fixtures.ts";
import {
  createOrganization,
  expectStatus,
  type Harness,
  json,
  type TestOrganization,
} from "../helpers/harness.ts";
import { withTagCondition } from "../helpers/iam.ts";

const HOUR = 3_600_000;

// Each test gets its own backend (the reconciler keeps a cursor item in the table) and a clock it
// can move forward: Secrets Manager dates stay real, so "two hours later" makes secrets old.
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };
beforeEach(() => {
  offsetMs = 0;
});

/** `sm`: a raw Secrets Manager client on the test's own AWS edge. */
const it = harnessTest({ scope: "test", overrides: { clock } }).extend<{ sm: SecretsManagerClient }>({
  sm: async ({ h }, use) => {
    const sm = secretsManagerClient(h.edge.url);
    await use(sm);
    sm.destroy();
  },
});

const reconcile = (h: Harness, options?: Parameters<Harness["services"]["reconciler"]["run"]>[0]) =>
  h.services.reconciler.run(options);
const managedName = (h: Harness, organizationId: string, connectionId: string) =>
  `${h.services.config.secretPrefix}/connections/${organizationId}/${connectionId}`;
const commandsSince = (h: Harness, from: number) => h.calls.slice(from).map((c) => c.command);
const WRITES = ["DeleteSecretCommand", "PutItemCommand", "PutSecretValueCommand", "CreateSecretCommand"];

/** A secret under connvault's namespace that no record points at (a create that never finished). */
async function straySecret(sm: SecretsManagerClient, name: string): Promise<string> {
  const created = await sm.send(
    new CreateSecretCommand({ Name: name, SecretString: '{"security":{"token":"stray"}}' }),
  );
  return created.ARN ?? "";
}

const describeSecret = (sm: SecretsManagerClient, id: string) =>
  sm.send(new DescribeSecretCommand({ SecretId: id }));

async function connect(
  h: Harness,
  org: TestOrganization,
  connectorId: string,
  body: Record<string, unknown>,
) {
  const res = await h.request("POST", `/v1/connectors/${connectorId}/connections`, {
    key: org.adminKey,
    body: { name: connectorId, ...body },
  });
  await expectStatus(res, 201);
  return json<{ id: string; auth_aws_arn: string | null; status: string }>(res);
}

const bearer = (token = "sk_test_reconciler") => ({ security: { authMethod: "bearer", token } });

async function connection(h: Harness, org: TestOrganization, id: string) {
  const res = await h.request("GET", `/v1/connections/${id}`, { key: org.adminKey });
  await expectStatus(res, 200);
  return { etag: res.headers.get("etag"), body: await json(res) };
}

async function eventsOf(h: Harness, connectionId: string) {
  await h.edge.stream.drain();
  return h.edge.events.events.filter(
    (e) => (e.detail as { connection?: { id?: string } }).connection?.id === connectionId,
  );
}

describe("the reconciler's orphan secrets", () => {
  it("schedules a secret without a record, older than the grace period, for deletion with the 7-day window", async ({
    h,
    sm,
  }) => {
    const name = managedName(h, "org_gone", "conn_gone");
    const arn = await straySecret(sm, name);
    offsetMs = 2 * HOUR;
    const from = h.calls.length;

    const report = await reconcile(h);

    expect(report).toEqual({
      secretsScanned: 1,
      orphansDeleted: 1,
      recordsScanned: 0,
      recordsMarked: 0,
      truncated: false,
      failures: [],
    });
    expect((await describeSecret(sm, name)).DeletedDate).toBeDefined();
    const deletes = h.calls.slice(from).filter((c) => c.command === "DeleteSecretCommand");
    expect(deletes.map((c) => c.input)).toEqual([{ SecretId: arn, RecoveryWindowInDays: 7 }]);
    expect(commandsSince(h, from)).not.toContain("GetSecretValueCommand");
  });

  it("leaves a fresh one alone, so a create in flight (secret written, record not yet) survives", async ({
    h,
    sm,
  }) => {
    const name = managedName(h, "org_inflight", "conn_inflight");
    await straySecret(sm, name);
    offsetMs = 59 * 60_000;

    expect(await reconcile(h)).toMatchObject({ secretsScanned: 1, orphansDeleted: 0 });
    expect((await describeSecret(sm, name)).DeletedDate).toBeUndefined();
    // The grace period is an option: without one, the same secret goes.
    expect(await reconcile(h, { graceMs: 0 })).toMatchObject({ orphansDeleted: 1 });
  });

  it("leaves a secret already scheduled for deletion alone", async ({ h, sm }) => {
    const name = managedName(h, "org_sched", "conn_sched");
    await straySecret(sm, name);
    await sm.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 30 }));
    const before = await describeSecret(sm, name);
    offsetMs = 2 * HOUR;
    const from = h.calls.length;

    expect(await reconcile(h)).toMatchObject({ secretsScanned: 1, orphansDeleted: 0, failures: [] });
    expect(commandsSince(h, from)).not.toContain("DeleteSecretCommand");
    expect((await describeSecret(sm, name)).DeletedDate).toEqual(before.DeletedDate);
  });

  it("never touches healthy connections, secrets outside the namespace, or names it did not make", async ({
    h,
    org,
    sm,
  }) => {
    const managed = await connect(h, org, "stripe", bearer());
    const plain = await connect(h, org, "open-meteo", {});
    await sm.send(
      new CreateSecretCommand({
        Name: `byo/${org.id}/theirs`,
        SecretString: "{}",
        Tags: [{ Key: "connvault:organization_id", Value: org.id }],
      }),
    );
    const adopted = await connect(h, org, "stripe", {
      auth_aws_arn: (await describeSecret(sm, `byo/${org.id}/theirs`)).ARN,
    });
    const odd = `${h.services.config.secretPrefix}/connections/not-a-connection`;
    await straySecret(sm, odd);
    const before = await Promise.all([managed, plain, adopted].map((c) => connection(h, org, c.id)));
    offsetMs = 2 * HOUR;
    const from = h.calls.length;

    const report = await reconcile(h);

    expect(report).toMatchObject({ orphansDeleted: 0, recordsScanned: 3, recordsMarked: 0, failures: [] });
    expect(commandsSince(h, from).filter((c) => WRITES.includes(c))).toEqual([]);
    const after = await Promise.all([managed, plain, adopted].map((c) => connection(h, org, c.id)));
    expect(after).toEqual(before);
    expect(after.map((c) => c.body.status)).toEqual(["active", "active", "active"]);
    for (const name of [managedName(h, org.id, managed.id), `byo/${org.id}/theirs`, odd]) {
      expect((await describeSecret(sm, name)).DeletedDate, name).toBeUndefined();
    }
  });
});

describe("the reconciler's dangling records", () => {
  it("marks a record whose secret was force-deleted credentials_missing and emits connection.health_changed", async ({
    h,
    org,
    sm,
  }) => {
    const created = await connect(h, org, "stripe", {
      ...bearer(),
      headers: { "X-Tenant": "t-1" },
    });
    await sm.send(
      new DeleteSecretCommand({
        SecretId: managedName(h, org.id, created.id),
        ForceDeleteWithoutRecovery: true,
      }),
    );
    const from = h.calls.length;

    const report = await reconcile(h);

    expect(report).toMatchObject({ recordsScanned: 1, recordsMarked: 1, failures: [] });
    const { body } = await connection(h, org, created.id);
    expect(body).toMatchObject({
      status: "credentials_missing",
      credentials: null,
      auth_aws_arn: null,
      header_names: [],
      health_reason: SECRET_GONE_REASON,
    });
    expect(commandsSince(h, from)).not.toContain("GetSecretValueCommand");
    const events = await eventsOf(h, created.id);
    expect(events.map((e) => e.detail_type)).toEqual(["connection.created", "connection.health_changed"]);
    expect(events[1]?.detail).toMatchObject({
      actor: { type: "system", id: "reconciler" },
      connection: { status: "credentials_missing", health_reason: SECRET_GONE_REASON },
    });
  });

  it("treats a secret scheduled for deletion as gone; an OAuth2 connection goes back to pending_authorization", async ({
    h,
    org,
    sm,
  }) => {
    const scheduled = await connect(h, org, "stripe", bearer());
    const oauth = await connect(h, org, "slack", {
      security: { authMethod: "oauth2", oauth2Token: { access_token: "xoxb-reconciler" } },
    });
    expect(oauth.status).toBe("active");
    await sm.send(
      new DeleteSecretCommand({ SecretId: managedName(h, org.id, scheduled.id), RecoveryWindowInDays: 7 }),
    );
    await sm.send(
      new DeleteSecretCommand({
        SecretId: managedName(h, org.id, oauth.id),
        ForceDeleteWithoutRecovery: true,
      }),
    );

    expect(await reconcile(h)).toMatchObject({ recordsMarked: 2, orphansDeleted: 0, failures: [] });

    expect((await connection(h, org, scheduled.id)).body).toMatchObject({
      status: "credentials_missing",
      health_reason: SECRET_SCHEDULED_REASON,
    });
    expect((await connection(h, org, oauth.id)).body).toMatchObject({
      status: "pending_authorization",
      health_reason: SECRET_GONE_REASON,
    });
    for (const id of [scheduled.id, oauth.id]) {
      expect((await eventsOf(h, id)).map((e) => e.detail_type)).toContain("connection.health_changed");
    }
  });

  it("handles adopted secrets deleted behind connvault's back the same way, without deleting anything", async ({
    h,
    org,
    sm,
  }) => {
    const { ARN: arn } = await sm.send(
      new CreateSecretCommand({
        Name: `byo/${org.id}/adopted`,
        SecretString: '{"token":"theirs"}',
        Tags: [{ Key: "connvault:organization_id", Value: org.id }],
      }),
    );
    const adopted = await connect(h, org, "stripe", { auth_aws_arn: arn });
    await sm.send(new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }));
    const from = h.calls.length;

    expect(await reconcile(h)).toMatchObject({ recordsMarked: 1, orphansDeleted: 0, failures: [] });

    expect(commandsSince(h, from)).not.toContain("DeleteSecretCommand");
    expect((await connection(h, org, adopted.id)).body).toMatchObject({
      status: "credentials_missing",
      credentials: null,
      auth_aws_arn: null,
      health_reason: SECRET_GONE_REASON,
    });
    const events = await eventsOf(h, adopted.id);
    expect(events.at(-1)).toMatchObject({
      detail_type: "connection.health_changed",
      detail: { actor: { type: "system", id: "reconciler" } },
    });
  });
});

describe("the reconciler's adopted secrets on AWS, where IAM hides untagged ones outside the prefix", () => {
  it("marks adopted connections whose secret was force-deleted, untagged (both AccessDenied) or retagged, with no failure", async ({
    h,
    org,
    sm,
  }) => {
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
      adopted.push(await connect(h, org, "stripe", { auth_aws_arn: arns.at(-1) }));
    }
    const [deletedArn, untaggedArn, retaggedArn] = arns;
    await sm.send(new DeleteSecretCommand({ SecretId: deletedArn, ForceDeleteWithoutRecovery: true }));
    await sm.send(
      new UntagResourceCommand({ SecretId: untaggedArn, TagKeys: ["connvault:organization_id"] }),
    );
    await sm.send(new TagResourceCommand({ SecretId: retaggedArn, Tags: tag(other.id) }));

    const report = await withTagCondition(h, () => reconcile(h));

    expect(report).toMatchObject({ recordsScanned: 3, recordsMarked: 3, orphansDeleted: 0, failures: [] });
    for (const { id } of adopted) {
      expect((await connection(h, org, id)).body).toMatchObject({
        status: "credentials_missing",
        auth_aws_arn: null,
        health_reason: SECRET_NOT_ADOPTABLE_REASON,
      });
    }
    for (const arn of [untaggedArn, retaggedArn])
      expect((await describeSecret(sm, arn ?? "")).DeletedDate).toBeUndefined();
  });
});

describe("a reconciler run", () => {
  it("is idempotent: a second run reports no change and writes nothing", async ({ h, org, sm }) => {
    const dangling = await connect(h, org, "stripe", bearer());
    await connect(h, org, "stripe", bearer("sk_test_healthy"));
    await sm.send(
      new DeleteSecretCommand({
        SecretId: managedName(h, org.id, dangling.id),
        ForceDeleteWithoutRecovery: true,
      }),
    );
    await straySecret(sm, managedName(h, org.id, "conn_orphan"));
    offsetMs = 2 * HOUR;

    expect(await reconcile(h)).toMatchObject({ orphansDeleted: 1, recordsMarked: 1, truncated: false });
    const marked = await connection(h, org, dangling.id);
    await h.edge.stream.drain();
    const events = h.edge.events.events.length;
    const from = h.calls.length;

    expect(await reconcile(h)).toEqual({
      secretsScanned: 2,
      orphansDeleted: 0,
      recordsScanned: 2,
      recordsMarked: 0,
      truncated: false,
      failures: [],
    });
    expect(commandsSince(h, from).filter((c) => WRITES.includes(c))).toEqual([]);
    expect(await connection(h, org, dangling.id)).toEqual(marked);
    await h.edge.stream.drain();
    expect(h.edge.events.events).toHaveLength(events);
  });

  it("stops at its bounds with truncated, and the next runs continue where it stopped", async ({
    h,
    org,
    sm,
  }) => {
    for (const n of [1, 2, 3]) await straySecret(sm, managedName(h, org.id, `conn_orphan${n}`));
    const dangling = [];
    for (const n of [1, 2, 3]) {
      const created = await connect(h, org, "stripe", bearer(`sk_test_${n}`));
      await sm.send(
        new DeleteSecretCommand({
          SecretId: managedName(h, org.id, created.id),
          ForceDeleteWithoutRecovery: true,
        }),
      );
      dangling.push(created.id);
    }
    offsetMs = 2 * HOUR;

    const first = await reconcile(h, { maxSecrets: 2, maxRecords: 2 });
    expect(first).toMatchObject({ secretsScanned: 2, orphansDeleted: 2, recordsScanned: 2, truncated: true });

    const totals = { ...first };
    for (let run = 0; run < 5 && totals.truncated; run++) {
      const next = await reconcile(h, { maxSecrets: 2, maxRecords: 2 });
      totals.orphansDeleted += next.orphansDeleted;
      totals.recordsMarked += next.recordsMarked;
      totals.truncated = next.truncated;
    }
    expect(totals).toMatchObject({ orphansDeleted: 3, recordsMarked: 3, truncated: false });
    for (const id of dangling) {
      expect((await connection(h, org, id)).body).toMatchObject({ status: "credentials_missing" });
    }
    // Done: a full run from the start finds nothing left.
    expect(await reconcile(h)).toMatchObject({ orphansDeleted: 0, recordsMarked: 0, truncated: false });
  });

  it("reports an item whose AWS call failed, goes on with the others, and a later run finishes the job", async ({
    h,
    sm,
  }) => {
    await straySecret(sm, managedName(h, "org_f", "conn_1"));
    await straySecret(sm, managedName(h, "org_f", "conn_2"));
    offsetMs = 2 * HOUR;
    const fault = injectFault(h.services.clients.secrets, {
      command: "DeleteSecretCommand",
      when: "before",
    });
    let report: Awaited<ReturnType<typeof reconcile>>;
    try {
      report = await reconcile(h);
    } finally {
      fault.remove();
    }
    expect(report).toMatchObject({
      orphansDeleted: 1,
      failures: [
        { item: `secret ${managedName(h, "org_f", "conn_1")}`, error: "DependencyUnavailableError" },
      ],
    });
    expect(await reconcile(h)).toMatchObject({ orphansDeleted: 1, failures: [] });
    expect(await reconcile(h)).toMatchObject({ orphansDeleted: 0, failures: [] });
  });

  it("is what the scheduled function runs: it returns the report", async ({ h, sm }) => {
    await straySecret(sm, managedName(h, "org_fn", "conn_fn"));
    offsetMs = 2 * HOUR;
    const handler = createReconcilerHandler(h.services);
    expect(await handler({})).toMatchObject({ orphansDeleted: 1, truncated: false, failures: [] });
  });
});
