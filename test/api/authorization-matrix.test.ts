import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";

/**
 * Authorization matrix: every connection route × caller × connection kind, one test per cell.
 * The connection always belongs to org A and was created by the member `A-owner`.
 * Rules (API.md, "Authentication and tenancy"): another organization's resources and another user's
 * personal connections answer 404, never 403; 403 is for a caller who can see the connection but may
 * not change it (a member who is not its owner).
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

type Caller = "A-admin" | "A-owner" | "A-other" | "B-admin" | "B-member";
type Kind = "personal" | "organizational" | "service-account";
/** What the caller gets: the route's success status, or the error status. */
type Outcome = "ok" | 403 | 404;

const CALLERS: Record<Caller, string> = {
  "A-admin": "admin of org A",
  "A-owner": "member of org A who owns it",
  "A-other": "other member of org A",
  "B-admin": "admin of org B",
  "B-member": "member of org B",
};

const KINDS: Record<Kind, { label: string; body: Record<string, unknown> }> = {
  personal: { label: "personal connection of org A's member", body: { access_scope: "personal" } },
  organizational: {
    label: "organizational connection of org A",
    body: { access_scope: "organizational" },
  },
  "service-account": {
    label: "service-account connection of org A",
    body: { access_scope: "organizational", is_service_account: true },
  },
};

/** The one table of expectations: [see, change] per kind and caller. */
const ACCESS: Record<Kind, Record<Caller, { see: Outcome; change: Outcome }>> = {
  personal: {
    "A-admin": { see: 404, change: 404 },
    "A-owner": { see: "ok", change: "ok" },
    "A-other": { see: 404, change: 404 },
    "B-admin": { see: 404, change: 404 },
    "B-member": { see: 404, change: 404 },
  },
  organizational: {
    "A-admin": { see: "ok", change: "ok" },
    "A-owner": { see: "ok", change: "ok" },
    "A-other": { see: "ok", change: 403 },
    "B-admin": { see: 404, change: 404 },
    "B-member": { see: 404, change: 404 },
  },
  "service-account": {
    "A-admin": { see: "ok", change: "ok" },
    "A-owner": { see: "ok", change: "ok" },
    "A-other": { see: "ok", change: 403 },
    "B-admin": { see: 404, change: 404 },
    "B-member": { see: 404, change: 404 },
  },
};

interface Route {
  label: string;
  method: string;
  path: (id: string) => string;
  body?: unknown;
  /** Which column of ACCESS decides the outcome; `list` checks membership of `data` instead. */
  needs: "see" | "change" | "list";
  ok: number;
}

const ROUTES: Route[] = [
  {
    label: "GET /v1/connections/{id}",
    method: "GET",
    path: (id) => `/v1/connections/${id}`,
    needs: "see",
    ok: 200,
  },
  {
    label: "PATCH /v1/connections/{id}",
    method: "PATCH",
    path: (id) => `/v1/connections/${id}`,
    body: { name: "renamed" },
    needs: "change",
    ok: 200,
  },
  {
    label: "PUT /v1/connections/{id}/credentials",
    method: "PUT",
    path: (id) => `/v1/connections/${id}/credentials`,
    body: { security: { authMethod: "bearer", token: "sk_new" } },
    needs: "change",
    ok: 200,
  },
  {
    label: "POST /v1/connections/{id}/health",
    method: "POST",
    path: (id) => `/v1/connections/${id}/health`,
    body: { healthy: false, reason: "x" },
    needs: "see",
    ok: 200,
  },
  {
    label: "DELETE /v1/connections/{id}",
    method: "DELETE",
    path: (id) => `/v1/connections/${id}`,
    needs: "change",
    ok: 204,
  },
  { label: "GET /v1/connections", method: "GET", path: () => "/v1/connections", needs: "list", ok: 200 },
  {
    label: "GET /unified/connection/{id}",
    method: "GET",
    path: (id) => `/unified/connection/${id}`,
    needs: "see",
    ok: 200,
  },
  {
    label: "PATCH /unified/connection/{id}",
    method: "PATCH",
    path: (id) => `/unified/connection/${id}`,
    body: { integration_type: "stripe", permissions: [], categories: [], is_paused: true },
    needs: "change",
    ok: 200,
  },
  {
    label: "DELETE /unified/connection/{id}",
    method: "DELETE",
    path: (id) => `/unified/connection/${id}`,
    needs: "change",
    ok: 200,
  },
];

/** Two fresh organizations and a fresh connection of `kind` owned by A-owner, so every cell stands alone. */
async function prepare(kind: Kind) {
  const a = await createOrganization(h, "Org A");
  const b = await createOrganization(h, "Org B");
  const owner = await a.member();
  const other = await a.member();
  const bMember = await b.member();
  const keys: Record<Caller, string> = {
    "A-admin": a.adminKey,
    "A-owner": owner.key,
    "A-other": other.key,
    "B-admin": b.adminKey,
    "B-member": bMember.key,
  };
  const res = await h.request("POST", "/v1/connectors/stripe/connections", {
    key: owner.key,
    body: { name: "Stripe", security: { authMethod: "bearer", token: "sk_x" }, ...KINDS[kind].body },
  });
  await expectStatus(res, 201);
  const connection = await json<{ id: string; etag: string }>(res);
  return { keys, ownerKey: owner.key, connection };
}

function call(route: Route, key: string, id: string) {
  return h.request(route.method, route.path(id), {
    key,
    ...(route.body !== undefined ? { body: route.body } : {}),
  });
}

const kinds = Object.keys(KINDS) as Kind[];
const callers = Object.keys(CALLERS) as Caller[];

describe.each(ROUTES.map((route) => [route.label, route] as const))("%s", (_label, route) => {
  const cells = kinds.flatMap((kind) =>
    callers.map((caller) => {
      const outcome = ACCESS[kind][caller][route.needs === "change" ? "change" : "see"];
      const expected =
        route.needs === "list"
          ? outcome === "ok"
            ? "listed"
            : "not listed"
          : outcome === "ok"
            ? route.ok
            : outcome;
      return {
        kind,
        caller,
        outcome,
        expected,
        title: `${CALLERS[caller]} → ${route.label} on ${KINDS[kind].label} → ${expected}`,
      };
    }),
  );

  it.each(cells.map((cell) => [cell.title, cell] as const))("%s", async (_title, cell) => {
    const { kind, caller, outcome, expected } = cell;
    // Prepare
    const { keys, ownerKey, connection } = await prepare(kind);

    // Act
    const res = await call(route, keys[caller], connection.id);

    // Assess
    if (route.needs === "list") {
      await expectStatus(res, 200);
      const ids = (await json<{ data: { id: string }[] }>(res)).data.map((c) => c.id);
      expect(ids.includes(connection.id) ? "listed" : "not listed").toBe(expected);
      return;
    }
    await expectStatus(res, Number(expected));
    if (outcome !== "ok") {
      expect((await json(res)).status).toBe(expected);
      // A refused call leaves the connection exactly as it was.
      const after = await h.request("GET", `/v1/connections/${connection.id}`, { key: ownerKey });
      await expectStatus(after, 200);
      expect((await json<{ etag: string }>(after)).etag).toBe(connection.etag);
    }
  });
});

describe("root key", () => {
  it.each(ROUTES.map((route) => [route.label, route] as const))(
    "root key → %s on organizational connection of org A → 403",
    async (_label, route) => {
      // Prepare
      const { ownerKey, connection } = await prepare("organizational");

      // Act
      const res = await call(route, h.rootApiKey, connection.id);

      // Assess
      await expectStatus(res, 403);
      const after = await h.request("GET", `/v1/connections/${connection.id}`, { key: ownerKey });
      await expectStatus(after, 200);
      expect((await json<{ etag: string }>(after)).etag).toBe(connection.etag);
    },
  );
});
