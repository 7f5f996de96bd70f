import { randomBytes } from "node:crypto";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { catalog } from "@connvault/core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dynamoClient } from "../helpers/aws.ts";
import { expectStatus } from "../helpers/harness.ts";
import { type Simulation, startSimulation } from "./simulation.ts";
import type { HttpResponse } from "./triggers.ts";

// The hosted connect page through the simulated deployment (README.md in this folder): the api function
// opens a session, the browser opens its connect_url and submits the form over the HTTP API's
// synthesized /connect/ routes, which invoke the connect function in its own Node 24 process, every AWS
// call it makes checked against its synthesized IAM.

const lambdaNode = inject("lambdaNode");
let sim: Simulation;

beforeAll(async () => {
  if (!lambdaNode) return;
  // The catalog's Stripe entry (a bearer connector), added the way an operator adds a connector, without
  // its credential check: that call would leave loopback.
  const found = catalog().find((c) => c.id === "stripe");
  if (!found) throw new Error("the catalog has no stripe");
  const { id: _id, versions, ...fields } = found;
  const stripe = { ...fields, versions: versions.map(({ verify: _verify, ...version }) => version) };
  sim = await startSimulation({ lambdaNode, bundleDir: inject("bundleDir"), connectors: { stripe } });
});

afterAll(async () => {
  await sim?.close();
});

const json = <T = Record<string, unknown>>(res: HttpResponse) => JSON.parse(res.body) as T;
const FORM = { "content-type": "application/x-www-form-urlencoded" };

/** An organization (root key) and a connect session its admin opens for themselves, for Stripe alone. */
async function openSession() {
  const created = await sim.api.request("POST", "/v1/organizations", {
    headers: { authorization: `Bearer ${sim.rootApiKey}` },
    body: { name: "Connect org" },
  });
  await expectStatus(created, 201);
  const org = json<{ admin_api_key: { key: string; user_id: string } }>(created).admin_api_key;
  const admin = { authorization: `Bearer ${org.key}` };
  const res = await sim.api.request("POST", "/v1/connect-sessions", {
    headers: admin,
    body: { owner: org.user_id, allowed_connectors: ["stripe"] },
  });
  await expectStatus(res, 201);
  expect(res.function).toBe(sim.fnByBundle("api").id);
  const session = json<{ id: string; token: string; connect_url: string }>(res);
  return { admin, ...session };
}

/** The connect page as a browser loads it: the form's fields and the cookie it sets. */
async function loadPage(path: string) {
  const page = await sim.api.request("GET", path);
  const form = /<form\b[^>]*>[\s\S]*?<\/form>/.exec(page.body)?.[0] ?? "";
  const input = (name: string) => new RegExp(`<input\\b[^>]*\\bname="${name}"[^>]*>`).exec(form)?.[0] ?? "";
  const value = (tag: string) => /\bvalue="([^"]*)"/.exec(tag)?.[1];
  const cookie = page.cookies.find((c) => c.startsWith("connvault_connect=")) ?? "";
  return { page, form, input, value, cookie, nonce: cookie.split(";")[0] ?? "" };
}

/** The connect function's AWS calls since `before`. */
const connectCalls = (before: number) =>
  sim.calls.slice(before).filter((c) => c.function === sim.fnByBundle("connect").id);

describe.skipIf(!lambdaNode)("the hosted connect page, through the connect function", () => {
  it("serves the form, and its submit creates an active bearer connection with only what the connect role allows", async () => {
    // Arrange: a session opened over the api function, and its page loaded as a browser loads it.
    const token = `sk_test_${randomBytes(12).toString("hex")}`;
    const session = await openSession();
    const publicUrl = sim.fnByBundle("api").environment.CONNVAULT_PUBLIC_URL ?? "";
    expect(session.connect_url).toBe(`${publicUrl}/connect/${session.token}`);
    const path = new URL(session.connect_url).pathname;
    const { page, form, input, value, cookie, nonce } = await loadPage(path);

    // The page: 200 HTML from the connect function, a form posting back to itself, its cookie.
    expect(page.routeKey).toBe("GET /connect/{proxy+}");
    expect(page.function).toBe(sim.fnByBundle("connect").id);
    expect(page.status, page.body).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(form).toContain(`<form method="post" action="/connect/${session.token}">`);
    expect(input("connector")).toMatch(/\btype="hidden"/);
    expect(value(input("connector"))).toBe("stripe");
    expect(input("csrf")).toMatch(/\btype="hidden"/);
    expect(value(input("csrf"))).toMatch(/^[\w-]{20,}$/);
    expect(input("token")).toMatch(/\btype="(text|password)"/);
    expect(nonce).toMatch(/^connvault_connect=[\w-]{43}$/);
    // The deployment's URL is https: the cookie is Secure as well.
    expect(cookie.split(/;\s*/).slice(1).sort()).toEqual([
      "HttpOnly",
      "Path=/connect",
      "SameSite=Lax",
      "Secure",
    ]);
    const before = sim.calls.length;

    // Act: the browser submits the form with its cookie.
    const done = await sim.api.request("POST", path, {
      headers: { ...FORM, cookie: nonce },
      body: new URLSearchParams({ connector: "stripe", csrf: value(input("csrf")) ?? "", token }).toString(),
    });

    // Assert: the success page (no redirect_url), the session used by an active bearer connection.
    expect(done.routeKey).toBe("POST /connect/{proxy+}");
    expect(done.function).toBe(sim.fnByBundle("connect").id);
    expect(done.status, done.body).toBe(200);
    expect(done.headers["content-type"]).toMatch(/^text\/html/);
    expect(done.body).toContain('data-outcome="success"');
    const read = await sim.api.request("GET", `/v1/connect-sessions/${session.id}`, {
      headers: session.admin,
    });
    const used = json<{ status: string; connection_id: string | null }>(read);
    expect(used).toMatchObject({ status: "used", connection_id: expect.any(String) });
    const connection = await sim.api.request("GET", `/v1/connections/${used.connection_id}`, {
      headers: session.admin,
    });
    expect(json(connection)).toMatchObject({
      connector_id: "stripe",
      status: "active",
      credentials: { auth_method: "bearer" },
    });
    // Every AWS call the connect function made was allowed by its synthesized role, and none read a secret.
    const calls = connectCalls(before);
    expect(calls.map((c) => c.operation)).toEqual(
      expect.arrayContaining(["secretsmanager:CreateSecret", "dynamodb:PutItem"]),
    );
    expect(calls.flatMap((c) => c.authorizations.map((a) => a.action))).toContain("kms:GenerateDataKey");
    expect(calls.map((c) => c.operation)).not.toContain("secretsmanager:GetSecretValue");
    const refused = calls.filter(
      (c) => c.status !== 200 || c.authorizations.some((a) => a.decision !== "Allowed"),
    );
    expect(refused).toEqual([]);
    // What the end user typed is the connection's credential, and appears in no response, log or item.
    const resolved = await sim
      .lambda("resolver")
      .invoke<{ credentials?: { security?: { token?: string } } }>({
        organization_id: json<{ organization_id: string }>(connection).organization_id,
        user_id: json<{ owner: string }>(connection).owner,
        connection_id: used.connection_id,
        purpose: "deploy simulation",
      });
    expect(resolved.credentials?.security?.token).toBe(token);
    const items = await dynamoClient(sim.edge.url).send(new ScanCommand({ TableName: sim.d.table.name }));
    for (const res of [page, done, read, connection]) expect(JSON.stringify(res)).not.toContain(token);
    expect(JSON.stringify(items.Items)).not.toContain(token);
    const logs = [...sim.starts.values()].flatMap((s) => (s instanceof Error ? [] : s.output)).join("");
    expect(logs).not.toContain(token);
  });

  it("answers a submit without the page's cookie 403 with an HTML page, and creates nothing", async () => {
    const session = await openSession();
    const path = new URL(session.connect_url).pathname;
    const { input, value } = await loadPage(path);
    const before = sim.calls.length;

    // Act: the form's fields, but from a browser that does not hold the cookie the page set.
    const res = await sim.api.request("POST", path, {
      headers: FORM,
      body: new URLSearchParams({
        connector: "stripe",
        csrf: value(input("csrf")) ?? "",
        token: "sk_test_forged",
      }).toString(),
    });

    expect(res.function).toBe(sim.fnByBundle("connect").id);
    expect(res.status, res.body).toBe(403);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.body).not.toContain('data-outcome="success"');
    const writes = connectCalls(before).filter((c) =>
      /^secretsmanager:(Create|Put|Tag|Delete)|^dynamodb:(Put|Delete)Item$/.test(c.operation),
    );
    expect(writes).toEqual([]);
    const read = await sim.api.request("GET", `/v1/connect-sessions/${session.id}`, {
      headers: session.admin,
    });
    expect(json(read)).toMatchObject({ status: "open", connection_id: null });
    const list = await sim.api.request("GET", "/v1/connections", { headers: session.admin });
    expect(json<{ data: unknown[] }>(list).data).toEqual([]);
  });
});
