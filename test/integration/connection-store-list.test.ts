import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { DynamoConnectionStore, ensureTable, seeRule, Table, tableDefinition } from "@connvault/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FILTERED_BUDGET } from "../../packages/core/src/adapters/dynamodb/connection-store.ts";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
let store: DynamoConnectionStore;
beforeAll(async () => {
  h = await startHarness();
  store = new DynamoConnectionStore(new Table(h.services.clients.dynamo, "connvault-test"));
});
afterAll(() => h.close());

async function create(key: string, body: Record<string, unknown>) {
  const res = await h.request("POST", "/v1/connectors/open-meteo/connections", { key, body });
  await expectStatus(res, 201);
  return json<{ id: string }>(res);
}

/** The Query calls `act` sends, counted by middleware on the real client. */
async function queriesDuring<T>(act: () => Promise<T>): Promise<{ result: T; queries: number }> {
  const before = h.calls.length;
  const result = await act();
  return { result, queries: h.calls.slice(before).filter((c) => c.command === "QueryCommand").length };
}

describe("DynamoConnectionStore.list", () => {
  it("stops a filtered page after its budget and returns where both key ranges were read to", async () => {
    const org = await createOrganization(h);
    const alice = await org.member();
    const wanted = await create(alice.key, {
      name: "old",
      environment: "qa",
      access_scope: "organizational",
    });
    const misses = FILTERED_BUDGET + 40;
    for (let i = 0; i < misses; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          create(alice.key, { name: `n${i + j}`, access_scope: j % 10 ? "organizational" : "personal" }),
        ),
      );
    }
    const query = {
      organizationId: org.id,
      rule: seeRule({ user_id: alice.userId }),
      filters: { environment: "qa" },
      limit: 1,
    };

    const first = await queriesDuring(() => store.list(query));
    expect(first.queries).toBe(2);
    expect(first.result.items).toEqual([]);
    expect(first.result.next).not.toBeNull();

    const second = await queriesDuring(() => store.list({ ...query, after: first.result.next ?? undefined }));
    expect(second.queries).toBe(2);
    expect(second.result.items.map((c) => c.id)).toEqual([wanted.id]);
    expect(second.result.next).toBeNull();
  });

  it("refuses a table created before GSI2 with a message that says how to recreate it", async () => {
    const old = tableDefinition("connvault-before-gsi2");
    const client = h.services.clients.dynamo;
    await client.send(
      new CreateTableCommand({ ...old, GlobalSecondaryIndexes: old.GlobalSecondaryIndexes?.slice(0, 1) }),
    );
    await expect(ensureTable(client, "connvault-before-gsi2")).rejects.toThrow(/lacks gsi2: recreate it/);
  });
});
