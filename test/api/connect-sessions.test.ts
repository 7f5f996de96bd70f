import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { createApiServices, createApp } from "@connvault/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoClient } from "../helpers/aws.ts";
import {
  createOrganization,
  expectStatus,
  type Harness,
  json,
  startHarness,
  type TestOrganization,
} from "../helpers/harness.ts";

/**
 * Connect sessions (API.md, "Connect sessions"): `POST /v1/connect-sessions`, `GET` and `DELETE
 * /v1/connect-sessions/{id}`. A member opens one for themselves, an admin for any owner; the token is in
 * the create response only and stored as a keyed hash; a session lasts 30 minutes.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const THIRTY_MINUTES = 30 * 60 * 1000;

interface Session {
  id: string;
  object: string;
  owner: string;
  allowed_connectors: string[] | null;
  access_scope: string;
  connection_id: string | null;
  redirect_url: string | null;
  metadata: Record<string, string>;
  status: string;
  created_at: string;
  expires_at: string;
}
interface Issued extends Session {
  token: string;
  connect_url: string;
}
type Problem = { code: string; errors?: { path: string; code: string }[] };

const open = (key: string, body: unknown, headers?: Record<string, string>) =>
  h.request("POST", "/v1/connect-sessions", { key, body, ...(headers ? { headers } : {}) });

/** Opens a session and answers its body, failing the test unless the answer is 201. */
async function opened(key: string, body: unknown): Promise<Issued> {
  return json<Issued>(await expectStatus(open(key, body), 201));
}

const read = (key: string, id: string) => h.request("GET", `/v1/connect-sessions/${id}`, { key });
const revoke = (key: string, id: string) => h.request("DELETE", `/v1/connect-sessions/${id}`, { key });

/** A Stripe connection created with `key`; `extra` sets access_scope or owner. */
async function connection(key: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await h.request("POST", "/v1/connectors/stripe/connections", {
    key,
    body: { name: "Stripe", security: { authMethod: "bearer", token: "sk_test_1" }, ...extra },
  });
  await expectStatus(res, 201);
  return (await json<{ id: string }>(res)).id;
}

/** A second admin key of the organization, for another user. */
async function secondAdmin(org: TestOrganization): Promise<string> {
  const res = await h.request("POST", "/v1/api-keys", {
    key: org.adminKey,
    body: { user_id: `admin_${Math.random().toString(36).slice(2)}`, role: "admin" },
  });
  await expectStatus(res, 201);
  return (await json<{ key: string }>(res)).key;
}

describe("POST /v1/connect-sessions", () => {
  it("opens a session with every documented field, Location, a token and its connect_url", async () => {
    const org = await createOrganization(h);
    const member = await org.member();
    const before = Date.now();
    const res = await open(member.key, {
      owner: member.userId,
      allowed_connectors: ["stripe", "twilio"],
      redirect_url: "https://app.example.com/connected?tab=integrations",
      metadata: { tenant: "t-7" },
    });
    await expectStatus(res, 201);
    const body = await json<Issued>(res);

    expect(res.headers.get("location")).toBe(`/v1/connect-sessions/${body.id}`);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    expect(body.id).toMatch(/^cs_[A-Za-z0-9]+$/);
    expect(body).toEqual({
      id: body.id,
      object: "connect_session",
      owner: member.userId,
      allowed_connectors: ["stripe", "twilio"],
      access_scope: "personal",
      connection_id: null,
      redirect_url: "https://app.example.com/connected?tab=integrations",
      metadata: { tenant: "t-7" },
      status: "open",
      created_at: expect.any(String),
      expires_at: expect.any(String),
      token: expect.any(String),
      connect_url: expect.any(String),
    });
    const created = Date.parse(body.created_at);
    expect(created).toBeGreaterThanOrEqual(before - 1000);
    expect(created).toBeLessThanOrEqual(Date.now() + 1000);
    expect(new Date(created).toISOString()).toBe(body.created_at);
    expect(Date.parse(body.expires_at) - created).toBe(THIRTY_MINUTES);
    expect(new Date(Date.parse(body.expires_at)).toISOString()).toBe(body.expires_at);

    const [tokenId, secret, ...rest] = body.token.split(".");
    expect(tokenId).toBe(body.id);
    expect(rest).toEqual([]);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(body.connect_url).toBe(`http://localhost/connect/${body.token}`);
  });

  it("applies the defaults: all connectors (null), personal, no redirect_url, empty metadata", async () => {
    const org = await createOrganization(h);
    const body = await opened(org.adminKey, { owner: org.adminUserId });
    expect(body).toMatchObject({
      owner: org.adminUserId,
      allowed_connectors: null,
      access_scope: "personal",
      connection_id: null,
      redirect_url: null,
      metadata: {},
      status: "open",
    });
  });

  it("accepts access_scope organizational and http on a loopback redirect_url", async () => {
    const org = await createOrganization(h);
    const body = await opened(org.adminKey, {
      owner: org.adminUserId,
      access_scope: "organizational",
      redirect_url: "http://127.0.0.1:3000/back",
    });
    expect(body).toMatchObject({
      access_scope: "organizational",
      redirect_url: "http://127.0.0.1:3000/back",
    });
  });

  it("gives every session a different id and token", async () => {
    const org = await createOrganization(h);
    const a = await opened(org.adminKey, { owner: org.adminUserId });
    const b = await opened(org.adminKey, { owner: org.adminUserId });
    expect(a.id).not.toBe(b.id);
    expect(a.token.split(".")[1]).not.toBe(b.token.split(".")[1]);
  });

  it("never stores the token or its secret, only the session", async () => {
    const org = await createOrganization(h);
    const keyed = await json<Issued>(
      await expectStatus(
        open(org.adminKey, { owner: org.adminUserId }, { "idempotency-key": `store-${Math.random()}` }),
        201,
      ),
    );
    const random = await opened(org.adminKey, { owner: org.adminUserId });

    const scan = await dynamoClient(h.edge.url).send(new ScanCommand({ TableName: "connvault-test" }));
    const items = JSON.stringify(scan.Items);
    for (const session of [keyed, random]) {
      const secret = session.token.split(".")[1] ?? "";
      expect(secret.length).toBeGreaterThan(0);
      expect(items).toContain(session.id); // the session is stored
      expect(items).not.toContain(session.token);
      expect(items).not.toContain(secret);
      // Nor in any request the services sent to DynamoDB.
      const sent = JSON.stringify(h.calls.filter((c) => c.service === "dynamodb"));
      expect(sent).not.toContain(secret);
    }
  });

  describe("Idempotency-Key", () => {
    it("replays the same id and token with Idempotent-Replayed: true", async () => {
      const org = await createOrganization(h);
      const headers = { "idempotency-key": `replay-${Math.random()}` };
      const body = { owner: org.adminUserId, allowed_connectors: ["stripe"] };
      const first = await expectStatus(open(org.adminKey, body, headers), 201);
      const again = await expectStatus(open(org.adminKey, body, headers), 201);
      expect(first.headers.get("idempotent-replayed")).toBeNull();
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      const [a, b] = [await json<Issued>(first), await json<Issued>(again)];
      expect(b).toEqual(a);
      expect(b.token).toBe(a.token);
      expect(again.headers.get("location")).toBe(`/v1/connect-sessions/${a.id}`);
    });

    it("answers 422 idempotency_key_reused for the same key with another body", async () => {
      const org = await createOrganization(h);
      const headers = { "idempotency-key": `reused-${Math.random()}` };
      await expectStatus(open(org.adminKey, { owner: org.adminUserId }, headers), 201);
      const reused = await expectStatus(
        open(org.adminKey, { owner: org.adminUserId, metadata: { other: "body" } }, headers),
        422,
      );
      const problem = await json<Problem & Record<string, unknown>>(reused);
      expect(problem.code).toBe("idempotency_key_reused");
      expect(JSON.stringify(problem)).not.toContain("cs_");
    });

    it("keeps the same key apart between organizations", async () => {
      const a = await createOrganization(h);
      const b = await createOrganization(h);
      const headers = { "idempotency-key": `shared-${Math.random()}` };
      const first = await json<Issued>(await expectStatus(open(a.adminKey, { owner: "u1" }, headers), 201));
      const other = await expectStatus(open(b.adminKey, { owner: "u1" }, headers), 201);
      expect(other.headers.get("idempotent-replayed")).toBeNull();
      const second = await json<Issued>(other);
      expect(second.id).not.toBe(first.id);
      expect(second.token).not.toBe(first.token);
    });
  });

  describe("validation", () => {
    it.each<[string, Record<string, unknown>, string, string?]>([
      ["a missing owner", { allowed_connectors: ["stripe"] }, "owner"],
      [
        "an unknown connector",
        { allowed_connectors: ["no-such-connector"] },
        "allowed_connectors.0",
        "unknown_connector",
      ],
      [
        "an unknown connector after a known one",
        { allowed_connectors: ["stripe", "no-such-connector"] },
        "allowed_connectors.1",
        "unknown_connector",
      ],
      [
        "a connector that needs no credentials",
        { allowed_connectors: ["open-meteo"] },
        "allowed_connectors.0",
        "no_credentials",
      ],
      ["an empty allowed_connectors", { allowed_connectors: [] }, "allowed_connectors"],
      [
        "http on a host that is not loopback",
        { redirect_url: "http://app.example.com/back" },
        "redirect_url",
      ],
      ["a redirect_url that is not a URL", { redirect_url: "not a url" }, "redirect_url"],
      ["a redirect_url with a user name", { redirect_url: "https://u:p@app.example.com/" }, "redirect_url"],
      ["an unknown field", { colour: "red" }, "colour"],
      ["a bad access_scope", { access_scope: "everyone" }, "access_scope"],
      ["a metadata value that is not a string", { metadata: { n: 1 } }, "metadata.n"],
    ])("answers 422 with the field path for %s", async (_case, extra, path, code) => {
      const org = await createOrganization(h);
      const body = { ...(path === "owner" ? {} : { owner: org.adminUserId }), ...extra };
      const res = await expectStatus(open(org.adminKey, body), 422);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const problem = await json<Problem>(res);
      expect(problem.code).toBe("validation_failed");
      expect(problem.errors?.map((e) => e.path)).toContain(path);
      if (code) expect(problem.errors).toContainEqual(expect.objectContaining({ path, code }));
    });

    it("names the request's index of a bad connector after a repeated one", async () => {
      const org = await createOrganization(h);
      const body = { owner: org.adminUserId, allowed_connectors: ["stripe", "stripe", "no-such-connector"] };
      const res = await expectStatus(open(org.adminKey, body), 422);
      expect((await json<Problem>(res)).errors).toContainEqual(
        expect.objectContaining({ path: "allowed_connectors.2", code: "unknown_connector" }),
      );
    });

    it("creates nothing when it refuses", async () => {
      const org = await createOrganization(h);
      const headers = { "idempotency-key": `refused-${Math.random()}` };
      const body = { owner: org.adminUserId, allowed_connectors: ["open-meteo"] };
      await expectStatus(open(org.adminKey, body, headers), 422);
      // The same key is still free for a valid body.
      const res = await expectStatus(open(org.adminKey, { owner: org.adminUserId }, headers), 201);
      expect(res.headers.get("idempotent-replayed")).toBeNull();
    });
  });

  describe("authorization", () => {
    it("answers 403 to a member opening a session for another owner", async () => {
      const org = await createOrganization(h);
      const member = await org.member();
      const res = await expectStatus(open(member.key, { owner: "someone-else" }), 403);
      expect((await json<Problem>(res)).code).toBe("forbidden");
    });

    it("lets an admin open one for any owner", async () => {
      const org = await createOrganization(h);
      const member = await org.member();
      expect((await opened(org.adminKey, { owner: member.userId })).owner).toBe(member.userId);
      expect((await opened(org.adminKey, { owner: "not-yet-a-user" })).owner).toBe("not-yet-a-user");
    });

    it("answers 403 to the root key", async () => {
      await expectStatus(open(h.rootApiKey, { owner: "anyone" }), 403);
    });

    it("answers 401 without a key", async () => {
      await expectStatus(h.request("POST", "/v1/connect-sessions", { body: { owner: "anyone" } }), 401);
    });

    it("reconnects a connection the caller may change: the member's own, and an admin's organizational one", async () => {
      const org = await createOrganization(h);
      const member = await org.member();
      const own = await connection(member.key);
      const body = await opened(member.key, { owner: member.userId, connection_id: own });
      expect(body).toMatchObject({
        owner: member.userId,
        allowed_connectors: ["stripe"],
        connection_id: own,
        status: "open",
      });

      const shared = await connection(member.key, { access_scope: "organizational" });
      const byAdmin = await opened(org.adminKey, {
        owner: member.userId,
        connection_id: shared,
        allowed_connectors: ["twilio", "stripe"],
      });
      expect(byAdmin).toMatchObject({ allowed_connectors: ["stripe"], connection_id: shared });
      const read = await json<Session>(
        await expectStatus(h.request("GET", `/v1/connect-sessions/${byAdmin.id}`, { key: member.key }), 200),
      );
      expect(read.connection_id).toBe(shared);
    });

    it("answers 403 to a member reconnecting another user's organizational connection", async () => {
      const org = await createOrganization(h);
      const owner = await org.member();
      const other = await org.member();
      const shared = await connection(owner.key, { access_scope: "organizational" });
      const res = await expectStatus(open(other.key, { owner: other.userId, connection_id: shared }), 403);
      expect((await json<Problem>(res)).code).toBe("forbidden");
    });

    it("answers 404 for another user's personal connection, another organization's, or an unknown id", async () => {
      const org = await createOrganization(h);
      const owner = await org.member();
      const other = await org.member();
      const personal = await connection(owner.key);
      const elsewhere = await connection((await createOrganization(h)).adminKey, {
        access_scope: "organizational",
      });
      for (const [key, caller, id] of [
        [other.key, other.userId, personal],
        [org.adminKey, owner.userId, personal],
        [org.adminKey, org.adminUserId, elsewhere],
        [org.adminKey, org.adminUserId, "conn_00000000000000000000000000"],
        [org.adminKey, org.adminUserId, "not an id"],
      ] as const) {
        const res = await expectStatus(open(key, { owner: caller, connection_id: id }), 404);
        expect((await json<Problem>(res)).code).toBe("connection_not_found");
      }
    });

    it("answers 422 on owner when it is not the connection's owner", async () => {
      const org = await createOrganization(h);
      const member = await org.member();
      const shared = await connection(member.key, { access_scope: "organizational" });
      const res = await expectStatus(
        open(org.adminKey, { owner: org.adminUserId, connection_id: shared }),
        422,
      );
      expect((await json<Problem>(res)).errors).toContainEqual(
        expect.objectContaining({ path: "owner", code: "not_the_owner" }),
      );
    });

    it("answers 422 on allowed_connectors when they leave out the connection's connector", async () => {
      const org = await createOrganization(h);
      const member = await org.member();
      const own = await connection(member.key);
      const res = await expectStatus(
        open(member.key, { owner: member.userId, connection_id: own, allowed_connectors: ["twilio"] }),
        422,
      );
      expect((await json<Problem>(res)).errors).toContainEqual(
        expect.objectContaining({ path: "allowed_connectors", code: "not_the_connector" }),
      );
    });
  });
});

describe("GET /v1/connect-sessions/{id}", () => {
  it("answers the caller's own session without its token", async () => {
    const org = await createOrganization(h);
    const member = await org.member();
    const issued = await opened(member.key, {
      owner: member.userId,
      allowed_connectors: ["stripe"],
      metadata: { a: "b" },
    });
    const res = await expectStatus(read(member.key, issued.id), 200);
    const text = await res.text();
    const { token: _token, connect_url: _url, ...rest } = issued;
    expect(JSON.parse(text)).toEqual(rest);
    expect(text).not.toContain(issued.token.split(".")[1]);
    expect(JSON.parse(text)).not.toHaveProperty("token");
    expect(JSON.parse(text)).not.toHaveProperty("connect_url");
  });

  it("shows a session to the member it is for and to every admin of the organization", async () => {
    const org = await createOrganization(h);
    const member = await org.member();
    const issued = await opened(org.adminKey, { owner: member.userId });
    expect((await json<Session>(await expectStatus(read(member.key, issued.id), 200))).id).toBe(issued.id);
    await expectStatus(read(await secondAdmin(org), issued.id), 200);
    const own = await opened(member.key, { owner: member.userId });
    await expectStatus(read(org.adminKey, own.id), 200);
  });

  it("answers 404 to a member who neither owns nor opened it, and to another organization", async () => {
    const org = await createOrganization(h);
    const member = await org.member();
    const stranger = await org.member();
    const elsewhere = await createOrganization(h);
    const issued = await opened(org.adminKey, { owner: member.userId });
    for (const key of [stranger.key, elsewhere.adminKey, (await elsewhere.member(member.userId)).key]) {
      const res = await expectStatus(read(key, issued.id), 404);
      expect((await json<Problem>(res)).code).toBe("connect_session_not_found");
    }
  });

  it("answers 404 for an unknown or malformed id", async () => {
    const org = await createOrganization(h);
    await expectStatus(read(org.adminKey, "cs_00000000000000000000000000"), 404);
    await expectStatus(read(org.adminKey, "nope"), 404);
  });

  it("answers 403 to the root key", async () => {
    const org = await createOrganization(h);
    const issued = await opened(org.adminKey, { owner: org.adminUserId });
    await expectStatus(read(h.rootApiKey, issued.id), 403);
  });
});

describe("DELETE /v1/connect-sessions/{id}", () => {
  it("revokes an open session with 204; revoking again is a no-op", async () => {
    const org = await createOrganization(h);
    const member = await org.member();
    const issued = await opened(member.key, { owner: member.userId });
    const res = await expectStatus(revoke(member.key, issued.id), 204);
    expect(await res.text()).toBe("");
    const after = await json<Session>(await expectStatus(read(member.key, issued.id), 200));
    expect(after).toMatchObject({ id: issued.id, status: "revoked" });
    await expectStatus(revoke(member.key, issued.id), 204);
    await expectStatus(revoke(org.adminKey, issued.id), 204);
    expect((await json<Session>(await read(org.adminKey, issued.id))).status).toBe("revoked");
  });

  it("lets an admin revoke a member's session", async () => {
    const org = await createOrganization(h);
    const member = await org.member();
    const issued = await opened(member.key, { owner: member.userId });
    await expectStatus(revoke(org.adminKey, issued.id), 204);
    expect((await json<Session>(await read(member.key, issued.id))).status).toBe("revoked");
  });

  it("answers 404 for another organization's session, and one the member cannot see, changing nothing", async () => {
    const org = await createOrganization(h);
    const member = await org.member();
    const issued = await opened(member.key, { owner: member.userId });
    const elsewhere = await createOrganization(h);
    await expectStatus(revoke(elsewhere.adminKey, issued.id), 404);
    await expectStatus(revoke((await org.member()).key, issued.id), 404);
    await expectStatus(revoke(org.adminKey, "cs_00000000000000000000000000"), 404);
    expect((await json<Session>(await read(member.key, issued.id))).status).toBe("open");
  });
});

describe("expiry", () => {
  /** Another container over the same backend, with a clock the test moves. */
  function containerAt(start: number) {
    let now = start;
    const app = createApp(createApiServices(h.services.config, { clock: { now: () => new Date(now) } }));
    const send = (method: string, path: string, key: string, body?: unknown) =>
      app.request(path, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    return { send, advance: (ms: number) => (now += ms) };
  }

  it("shows an open session as expired once its 30 minutes have passed, and not a millisecond before", async () => {
    const org = await createOrganization(h);
    const start = Date.now();
    const clock = containerAt(start);
    const issued = await json<Issued>(
      await expectStatus(
        clock.send("POST", "/v1/connect-sessions", org.adminKey, { owner: org.adminUserId }),
        201,
      ),
    );
    expect(issued.created_at).toBe(new Date(start).toISOString());
    expect(issued.expires_at).toBe(new Date(start + THIRTY_MINUTES).toISOString());

    clock.advance(THIRTY_MINUTES - 1);
    const before = await json<Session>(
      await expectStatus(clock.send("GET", `/v1/connect-sessions/${issued.id}`, org.adminKey), 200),
    );
    expect(before.status).toBe("open");
    clock.advance(1);
    const at = await json<Session>(
      await expectStatus(clock.send("GET", `/v1/connect-sessions/${issued.id}`, org.adminKey), 200),
    );
    expect(at).toMatchObject({ status: "expired", expires_at: issued.expires_at });
    clock.advance(THIRTY_MINUTES);
    const later = await json<Session>(
      await expectStatus(clock.send("GET", `/v1/connect-sessions/${issued.id}`, org.adminKey), 200),
    );
    expect(later.status).toBe("expired");
  });

  it("leaves an expired session expired when it is revoked", async () => {
    const org = await createOrganization(h);
    const clock = containerAt(Date.now());
    const issued = await json<Issued>(
      await expectStatus(
        clock.send("POST", "/v1/connect-sessions", org.adminKey, { owner: org.adminUserId }),
        201,
      ),
    );
    clock.advance(THIRTY_MINUTES + 1000);
    await expectStatus(clock.send("DELETE", `/v1/connect-sessions/${issued.id}`, org.adminKey), 204);
    const after = await json<Session>(
      await expectStatus(clock.send("GET", `/v1/connect-sessions/${issued.id}`, org.adminKey), 200),
    );
    expect(after.status).toBe("expired");
  });
});
