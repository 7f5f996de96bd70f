import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  configureOAuthClient,
  createOrganization,
  expectStatus,
  type Harness,
  json,
  startHarness,
} from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await configureOAuthClient(h, "slack");
});
afterAll(() => h.close());

type Page = { data: { id: string; name: string }[]; next_cursor: string | null };

async function create(key: string, connector: string, body: Record<string, unknown>) {
  const res = await h.request("POST", `/v1/connectors/${connector}/connections`, { key, body });
  await expectStatus(res, 201);
  return json<{ id: string }>(res);
}

async function list(key: string, query = ""): Promise<Page> {
  const res = await h.request("GET", `/v1/connections${query}`, { key });
  await expectStatus(res, 200);
  return json<Page>(res);
}

describe("GET /v1/connections", () => {
  it("pages through every visible connection newest first with an opaque cursor", async () => {
    const org = await createOrganization(h);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await create(org.adminKey, "open-meteo", { name: `c${i}` })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(
        org.adminKey,
        `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      seen.push(...page.data.map((c) => c.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  it("uses one Query per visible key range (organizational, the caller's own) when no filter applies", async () => {
    const org = await createOrganization(h);
    for (let i = 0; i < 3; i++)
      await create(org.adminKey, "open-meteo", { name: `c${i}`, access_scope: "organizational" });
    await list(org.adminKey); // warm the key cache
    const before = h.calls.length;
    const page = await list(org.adminKey, "?limit=2");
    expect(page.data).toHaveLength(2);
    expect(h.calls.slice(before).map((c) => c.command)).toEqual(["QueryCommand", "QueryCommand"]);
  });

  it("merges organizational and personal connections newest first across pages", async () => {
    const org = await createOrganization(h);
    const alice = await org.member();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const access_scope = i % 3 === 0 ? "personal" : "organizational";
      ids.unshift((await create(alice.key, "open-meteo", { name: `c${i}`, access_scope })).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(alice.key, `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      seen.push(...page.data.map((c) => c.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  it("reads only the organizational range for access_scope=organizational", async () => {
    const org = await createOrganization(h);
    const alice = await org.member();
    const shared = await create(alice.key, "open-meteo", { name: "s", access_scope: "organizational" });
    await create(alice.key, "open-meteo", { name: "p" });
    await list(alice.key);
    const before = h.calls.length;
    expect((await list(alice.key, "?access_scope=organizational")).data.map((c) => c.id)).toEqual([
      shared.id,
    ]);
    expect(h.calls.slice(before).map((c) => c.command)).toEqual(["QueryCommand"]);
  });

  it("filters by connector, scope, owner, status, environment and external_xref", async () => {
    const org = await createOrganization(h);
    const member = await org.member();
    const stripe = await create(org.adminKey, "stripe", {
      name: "s",
      security: { authMethod: "bearer", token: "t" },
      access_scope: "organizational",
      environment: "staging",
      external_xref: "cust-1",
    });
    const slack = await create(org.adminKey, "slack", { name: "sl" });
    const mine = await create(member.key, "open-meteo", { name: "m", access_scope: "organizational" });
    const ids = async (query: string) => (await list(org.adminKey, query)).data.map((c) => c.id);
    expect(await ids("?connector_id=stripe")).toEqual([stripe.id]);
    expect(await ids("?access_scope=personal")).toEqual([slack.id]);
    expect(await ids(`?owner=${member.userId}`)).toEqual([mine.id]);
    expect(await ids("?status=pending_authorization")).toEqual([slack.id]);
    expect(await ids("?environment=staging")).toEqual([stripe.id]);
    expect(await ids("?external_xref=cust-1")).toEqual([stripe.id]);
    expect(await ids("?connector_id=stripe&environment=production")).toEqual([]);
  });

  it("fills a filtered page even when matches are sparse", async () => {
    const org = await createOrganization(h);
    const wanted: string[] = [];
    for (let i = 0; i < 9; i++) {
      const env = i % 3 === 0 ? "qa" : "production";
      const { id } = await create(org.adminKey, "open-meteo", { name: `c${i}`, environment: env });
      if (env === "qa") wanted.unshift(id);
    }
    const first = await list(org.adminKey, "?environment=qa&limit=2");
    expect(first.data.map((c) => c.id)).toEqual(wanted.slice(0, 2));
    const second = await list(
      org.adminKey,
      `?environment=qa&limit=2&cursor=${encodeURIComponent(first.next_cursor ?? "")}`,
    );
    expect(second.data.map((c) => c.id)).toEqual(wanted.slice(2));
    expect(second.next_cursor).toBeNull();
  });

  it("gives a cursor with a filtered page its read budget ended short, so paging reaches a match further on", async () => {
    // Prepare: one match, older than the 100 connections a filtered page evaluates per key range.
    const org = await createOrganization(h);
    const { id: match } = await create(org.adminKey, "open-meteo", { name: "old", external_xref: "needle" });
    for (let i = 0; i < 120; i++) await create(org.adminKey, "open-meteo", { name: `new${i}` });

    // Act: page until the cursor runs out.
    const found: string[] = [];
    let pages = 0;
    let cursor: string | null = null;
    do {
      const query = `?external_xref=needle&limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = await list(org.adminKey, query);
      found.push(...page.data.map((c) => c.id));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor && pages < 10);

    // Assess: the first page came back empty with a cursor, and the match is found after it.
    expect(found).toEqual([match]);
    expect(pages).toBeGreaterThan(1);
  });

  it("hides other users' personal connections and other organizations' connections", async () => {
    const org = await createOrganization(h);
    const other = await createOrganization(h);
    const alice = await org.member();
    const bob = await org.member();
    const personal = await create(alice.key, "open-meteo", { name: "alice's" });
    const shared = await create(alice.key, "open-meteo", { name: "shared", access_scope: "organizational" });
    await create(other.adminKey, "open-meteo", { name: "theirs", access_scope: "organizational" });
    expect((await list(bob.key)).data.map((c) => c.id)).toEqual([shared.id]);
    expect((await list(alice.key)).data.map((c) => c.id)).toEqual([shared.id, personal.id]);
    expect((await list(other.adminKey)).data.map((c) => c.name)).toEqual(["theirs"]);
  });

  it("rejects a forged cursor, a cursor for other filters and another organization's cursor with 400", async () => {
    const org = await createOrganization(h);
    const other = await createOrganization(h);
    for (let i = 0; i < 3; i++) await create(org.adminKey, "open-meteo", { name: `c${i}` });
    const { next_cursor } = await list(org.adminKey, "?limit=1");
    const cursor = encodeURIComponent(next_cursor ?? "");
    const forged = encodeURIComponent(
      `${Buffer.from("conn_00000000000000000000000000").toString("base64url")}.AAAA`,
    );
    for (const [key, query] of [
      [org.adminKey, `?limit=1&cursor=${forged}`],
      [org.adminKey, `?limit=1&environment=x&cursor=${cursor}`],
      [other.adminKey, `?limit=1&cursor=${cursor}`],
    ] as const) {
      const res = await h.request("GET", `/v1/connections${query}`, { key });
      expect(res.status, query).toBe(400);
      expect((await json(res)).code).toBe("invalid_cursor");
    }
  });

  it.each(["0", "101", "abc"])("answers 422 for limit=%s", async (limit) => {
    const org = await createOrganization(h);
    const res = await h.request("GET", `/v1/connections?limit=${limit}`, { key: org.adminKey });
    await expectStatus(res, 422);
    expect((await json<{ errors: { path: string }[] }>(res)).errors[0]?.path).toBe("limit");
  });

  it("answers 401 without a key", async () => {
    await expectStatus(h.request("GET", "/v1/connections"), 401);
  });
});
