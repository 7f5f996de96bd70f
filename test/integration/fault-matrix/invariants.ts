import { ScanCommand } from "@aws-sdk/client-dynamodb";
import {
  GetSecretValueCommand,
  paginateListSecrets,
  type SecretListEntry,
} from "@aws-sdk/client-secrets-manager";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { expect } from "vitest";
import { bearer, connectionOf, type Rig, type Target } from "./drivers.ts";

const TABLE = "connvault-test";
const SECRET_PREFIX = "connvault/local/connections/";

type Item = Record<string, unknown>;

export interface Backend {
  /** Every item of the organization (connections, API keys, the organization). */
  items: Item[];
  records: Item[];
  /** Secrets under the organization's prefix, including those scheduled for deletion. */
  secrets: SecretListEntry[];
  /** Every secret of the account, including those scheduled for deletion. */
  allSecrets: SecretListEntry[];
}

export async function backend({ ddb, sm }: Rig, organizationId: string): Promise<Backend> {
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
export function expectNoDanglingRecord(state: Backend): void {
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
export const orphansOf = (state: Backend) =>
  state.secrets
    .filter((secret) => secret.DeletedDate === undefined)
    .filter((secret) => !state.records.some((record) => record.auth_aws_arn === secret.ARN))
    .map((secret) => secret.Name);

/** Invariant 2, second half: every live secret under the prefix belongs to a record. */
export function expectNoOrphan(state: Backend): void {
  expect(orphansOf(state), "live secrets that no record points at").toEqual([]);
}

/** Invariant 1: no credential value in an answer, an item or an event. */
export function expectNoLeak(target: Target, ...texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(target.token);
    expect(text).not.toContain(target.rotated);
  }
}

async function secretValue({ sm }: Rig, arn: string, stage: "AWSCURRENT" | "AWSPREVIOUS"): Promise<unknown> {
  const value = await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }));
  return JSON.parse(value.SecretString ?? "null");
}

/** Invariant 3: one connection for the key, with one live secret, which it points at. */
export function expectOneConnection(state: Backend, id: string): void {
  expect(state.records).toHaveLength(1);
  expect(state.secrets).toHaveLength(1);
  expect(state.records[0]).toMatchObject({ id, auth_aws_arn: state.secrets[0]?.ARN });
  expect(state.secrets[0]?.DeletedDate).toBeUndefined();
}

/** The connection's secret holds the rotated credentials as one new version, the old ones as AWSPREVIOUS. */
export async function expectRotatedOnce(target: Target, state: Backend): Promise<void> {
  const { id, arn } = connectionOf(target);
  expect(state.records).toHaveLength(1);
  expect(state.records[0]).toMatchObject({ id, auth_aws_arn: arn, status: "active" });
  expect(await secretValue(target.rig, arn, "AWSCURRENT")).toEqual(bearer(target.rotated));
  // Soft, so that a second rotation reports both of its traces: the version and the lost AWSPREVIOUS.
  expect.soft(state.records[0]?.credentials, "the record after one rotation").toMatchObject({ version: 2 });
  expect
    .soft(await secretValue(target.rig, arn, "AWSPREVIOUS"), "the credentials before the rotation")
    .toEqual(bearer(target.token));
}

/** No record; the secret scheduled for deletion with the recovery window, or gone with `force`. */
export function expectDeleted(target: Target, state: Backend, force: boolean): void {
  expect(state.records).toHaveLength(0);
  if (force) {
    expect(state.secrets, "the secret is gone at once").toHaveLength(0);
  } else {
    expect(state.secrets).toHaveLength(1);
    expect(state.secrets[0]?.ARN).toBe(connectionOf(target).arn);
    expect(state.secrets[0]?.DeletedDate, "the secret is scheduled for deletion").toBeInstanceOf(Date);
  }
}
