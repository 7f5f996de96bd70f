import { type AttributeValue, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import type { InitializeMiddleware, MetadataBearer } from "@smithy/types";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { injectFault } from "../helpers/faults.ts";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";
import { addMiddleware } from "../helpers/middleware.ts";

let h: Harness;
const removals: (() => void)[] = [];
beforeAll(async () => {
  h = await startHarness();
});
afterEach(() => {
  for (const remove of removals.splice(0)) remove();
});
afterAll(() => h.close());

type Attributes = Record<string, { S?: string }>;
const keyOf = (key: Attributes) => `${key.pk?.S}|${key.sk?.S}`;

/**
 * A replica one write behind, as DynamoDB's eventually consistent reads may be: once installed, a
 * GetItem without `ConsistentRead: true` of an item written since answers what the item held before
 * its latest PutItem (nothing, for an item created since). Installed after the fault, so it sees
 * every PutItem the endpoint applied, lost responses included.
 */
function laggingReplica() {
  const client = h.services.clients.dynamo;
  const stale = new Map<string, Attributes | undefined>();
  const middleware: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const input = args.input as {
      TableName?: string;
      Item?: Attributes;
      Key?: Attributes;
      ConsistentRead?: boolean;
    };
    if (context.commandName === "PutItemCommand" && input.Item) {
      const Key = { pk: input.Item.pk, sk: input.Item.sk } as Record<string, AttributeValue>;
      const before = await client.send(
        new GetItemCommand({ TableName: input.TableName, Key, ConsistentRead: true }),
      );
      const result = await next(args);
      stale.set(keyOf(input.Item), before.Item as Attributes | undefined);
      return result;
    }
    if (
      context.commandName === "GetItemCommand" &&
      input.Key &&
      !input.ConsistentRead &&
      stale.has(keyOf(input.Key))
    ) {
      const Item = stale.get(keyOf(input.Key));
      return { output: { ...(Item ? { Item } : {}), $metadata: {} }, response: {} };
    }
    return next(args);
  };
  removals.push(addMiddleware(client, "laggingReplica", middleware));
}

async function setup() {
  const org = await createOrganization(h);
  const member = await org.member();
  await h.request("GET", "/v1/me", { key: member.key }); // caches the key before the replica lags
  return member.key;
}

async function createStripe(key: string) {
  const res = await h.request("POST", "/v1/connectors/stripe/connections", {
    key,
    body: { name: "s", security: { authMethod: "bearer", token: "sk_1" } },
  });
  await expectStatus(res, 201);
  return json<{ id: string; auth_aws_arn: string }>(res);
}

const patch = (key: string, id: string, etag: string) =>
  h.request("PATCH", `/v1/connections/${id}`, { key, body: { name: "x" }, headers: { "if-match": etag } });

describe("reads that decide a write are strongly consistent", () => {
  it("accepts a PATCH with the current If-Match when an eventually consistent read would be stale", async () => {
    const key = await setup();
    const { id } = await createStripe(key);
    laggingReplica();
    const renamed = await patch(key, id, '"1"');
    await expectStatus(renamed, 200);

    const res = await patch(key, id, '"2"');
    await expectStatus(res, 200);
  });

  it("refuses a PATCH with a stale If-Match with 412 before writing anything", async () => {
    const key = await setup();
    const { id } = await createStripe(key);
    laggingReplica();
    await expectStatus(patch(key, id, '"1"'), 200);

    const before = h.calls.length;
    const res = await patch(key, id, '"1"');
    await expectStatus(res, 412);
    expect(h.calls.slice(before).map((c) => c.command)).toEqual(["GetItemCommand"]);
  });

  it("rotates from the current record when an eventually consistent read would be stale", async () => {
    const key = await setup();
    const { id } = await createStripe(key);
    laggingReplica();
    const rotate = (token: string) =>
      h.request("PUT", `/v1/connections/${id}/credentials`, {
        key,
        body: { security: { authMethod: "bearer", token } },
      });
    await expectStatus(rotate("sk_2"), 200);

    const res = await rotate("sk_3");
    await expectStatus(res, 200);
    expect((await json<{ credentials: { version: number } }>(res)).credentials.version).toBe(3);
  });

  it("keeps the secret after a lost create response when an eventually consistent read misses the record", async () => {
    const key = await setup();
    removals.push(
      injectFault(h.services.clients.dynamo, { command: "PutItemCommand", when: "after" }).remove,
    );
    laggingReplica();
    const before = h.calls.length;
    const res = await h.request("POST", "/v1/connectors/stripe/connections", {
      key,
      body: { name: "lost", security: { authMethod: "bearer", token: "sk_lost" } },
    });
    await expectStatus(res, 503);
    const written = h.calls.slice(before).find((c) => c.command === "PutItemCommand")?.input
      .Item as Attributes;

    const secret = await h.services.clients.secrets.send(
      new DescribeSecretCommand({ SecretId: written.auth_aws_arn?.S }),
    );
    expect(secret.DeletedDate).toBeUndefined();
  });
});
