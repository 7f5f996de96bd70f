import { randomBytes } from "node:crypto";
import { connectionIdFor } from "@connvault/core";
import { expect } from "vitest";
import type { FaultTiming } from "../../helpers/faults.ts";
import type { TestOrganization } from "../../helpers/harness.ts";
import { type CfnResponse, cloudFormationStack } from "../../helpers/lambda-events.ts";
import {
  type Answer,
  bearer,
  connectionOf,
  connectionProperties,
  createRequest,
  http,
  newTarget,
  type Outcome,
  overCloudFormation,
  overHttp,
  overSqs,
  parsed,
  provisioningMessage,
  type Rig,
  type SendingDriver,
  type Target,
  warmCaches,
  withConnection,
  withStackConnection,
} from "./drivers.ts";
import { type Backend, expectDeleted, expectOneConnection, expectRotatedOnce } from "./invariants.ts";

export interface Case {
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

/** One operation through one driver: what it acts on, its no-fault answer, and its fault cases. */
export interface Operation extends SendingDriver {
  title: string;
  /** The invariant this operation adds to the printed matrix, e.g. one connection per key. */
  invariant?: string;
  /** Creates what the request acts on and warms the key and connector caches: the request then makes only its own calls. */
  prepare(rig: Rig, org: TestOrganization): Promise<Target>;
  /** Operation-specific end state, after the retry and the reconciler. */
  settle(target: Target, state: Backend, scenario: Case, retry: Answer): Promise<void>;
  cases: Case[];
}

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

export const operations: Operation[] = [
  {
    title: "create with an Idempotency-Key",
    invariant: "one connection per Idempotency-Key",
    ...overHttp,
    success: 201,
    async prepare(rig, org) {
      await warmCaches(rig, org);
      return newTarget(rig, org, `key-${randomBytes(8).toString("hex")}`);
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
    async prepare(rig, org) {
      await warmCaches(rig, org);
      return newTarget(rig, org);
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
        target.rig.h.request("PUT", `/v1/connections/${connectionOf(target).id}/credentials`, {
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
          target.rig.h.request(
            "DELETE",
            `/v1/connections/${connectionOf(target).id}${force ? "?force=true" : ""}`,
            {
              key: target.org.adminKey,
            },
          ),
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
    async prepare(rig, org) {
      await warmCaches(rig, org);
      const target = newTarget(rig, org, `key-${randomBytes(8).toString("hex")}`);
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
    async prepare(rig, org) {
      const target = await withConnection(rig, org);
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
      async prepare(rig, org) {
        const target = await withConnection(rig, org);
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
    async prepare(rig, org) {
      await warmCaches(rig, org);
      const target = newTarget(rig, org);
      const event = cloudFormationStack(rig.responses.url).create(connectionProperties(org, target.token));
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
    prepare: (rig, org) =>
      withStackConnection(rig, org, (stack, target) =>
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
    prepare: (rig, org) =>
      withStackConnection(rig, org, (stack, target) =>
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
