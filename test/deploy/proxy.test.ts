import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { expectStatus } from "../helpers/harness.ts";
import { type LoopbackServer, startLoopbackServer } from "../helpers/loopback-server.ts";
import { type Simulation, startSimulation } from "./simulation.ts";
import type { ApiGateway, HttpResponse } from "./triggers.ts";

// A call through a connection, through the simulated deployment (README.md in this folder): the HTTP
// API's synthesized proxy route, the proxy function in its own Node 24 process, its AWS calls checked
// against its synthesized IAM, and an upstream on loopback standing in for the connector's server.

const lambdaNode = inject("lambdaNode");
let sim: Simulation;
let upstream: LoopbackServer;
/**
 * The deployment's HTTP API, with the proxy's routes invoking a proxy function whose only change to its
 * synthesized environment is that loopback is allowed.
 */
let api: ApiGateway;
const CONNECTOR = "loopback-echo";

beforeAll(async () => {
  if (!lambdaNode) return;
  upstream = await startLoopbackServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ path: req.url, authorization: req.headers.authorization ?? null }));
  });
  sim = await startSimulation({
    lambdaNode,
    bundleDir: inject("bundleDir"),
    connectors: {
      [CONNECTOR]: {
        name: "Loopback echo",
        description: "An HTTP server on loopback, started by the test",
        auth_type: "bearer",
        versions: [
          {
            version: "v1",
            servers: [{ url: `${upstream.url}/base` }],
            security_schema: { type: "http", scheme: "bearer" },
          },
        ],
      },
    },
  });
  // On AWS no private network is allowed (the synth sets none); the test's upstream is on loopback.
  api = await sim.apiWithVariant("proxy", { CONNVAULT_PROXY_ALLOWED_NETWORKS: "127.0.0.0/8" });
});

afterAll(async () => {
  await sim?.close();
  await upstream?.close();
});

const json = <T = Record<string, unknown>>(res: HttpResponse) => JSON.parse(res.body) as T;

describe.skipIf(!lambdaNode)("calls through a connection, through the proxy function", () => {
  it("injects the connection's bearer token upstream, using only what the proxy's IAM allows", async () => {
    // Arrange: an organization and a connection to the loopback connector, over the api function.
    const token = `tok_${Math.random().toString(36).slice(2)}`;
    const org = await api.request("POST", "/v1/organizations", {
      headers: { authorization: `Bearer ${sim.rootApiKey}` },
      body: { name: "Proxy org" },
    });
    await expectStatus(org, 201);
    const key = json<{ admin_api_key: { key: string } }>(org).admin_api_key.key;
    const created = await api.request("POST", `/v1/connectors/${CONNECTOR}/connections`, {
      headers: { authorization: `Bearer ${key}` },
      body: { name: "Through", security: { authMethod: "bearer", token } },
    });
    await expectStatus(created, 201);
    const { id } = json<{ id: string }>(created);
    const proxyId = sim.fnByBundle("proxy").id;
    const before = sim.calls.length;

    // Act
    const res = await api.request("GET", `/v1/connections/${id}/proxy/items/42`, {
      headers: { authorization: `Bearer ${key}` },
      query: "expand=a",
    });

    // Assert: the proxy route invoked the proxy function, which called the upstream with the token.
    expect(res.routeKey).toBe("ANY /v1/connections/{id}/proxy/{proxy+}");
    expect(res.function).toBe(proxyId);
    expect(res.status, res.body).toBe(200);
    expect(res.headers["x-connvault-proxy"]).toBe("upstream");
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]).toMatchObject({ method: "GET", url: "/base/items/42?expand=a" });
    expect(upstream.requests[0]?.headers.authorization).toBe(`Bearer ${token}`);
    expect(JSON.stringify(res)).not.toContain(token);
    // Every AWS call it made was allowed by its synthesized policies, the secret's read among them.
    const calls = sim.calls.slice(before).filter((c) => c.function === proxyId);
    expect(calls.map((c) => c.operation)).toContain("secretsmanager:GetSecretValue");
    const refused = calls.filter(
      (c) => c.status !== 200 || c.authorizations.some((a) => a.decision !== "Allowed"),
    );
    expect(refused).toEqual([]);
    expect(calls.flatMap((c) => c.authorizations.map((a) => a.action))).toContain("kms:Decrypt");
  });

  it("refuses a loopback upstream with the synthesized environment, which allows no private network", async () => {
    const org = await sim.api.request("POST", "/v1/organizations", {
      headers: { authorization: `Bearer ${sim.rootApiKey}` },
      body: { name: "Proxy org (as deployed)" },
    });
    await expectStatus(org, 201);
    const key = json<{ admin_api_key: { key: string } }>(org).admin_api_key.key;
    const created = await sim.api.request("POST", `/v1/connectors/${CONNECTOR}/connections`, {
      headers: { authorization: `Bearer ${key}` },
      body: { name: "Refused", security: { authMethod: "bearer", token: "tok_refused" } },
    });
    await expectStatus(created, 201);
    const requests = upstream.requests.length;

    const res = await sim.api.request("GET", `/passthrough/${json<{ id: string }>(created).id}/items`, {
      headers: { authorization: `Bearer ${key}` },
    });

    expect(res.routeKey).toBe("ANY /passthrough/{connection_id}/{proxy+}");
    expect(res.function).toBe(sim.fnByBundle("proxy").id);
    expect(res.status, res.body).toBe(403);
    expect(res.headers["x-connvault-proxy"]).toBe("error");
    expect(json<{ code?: string }>(res).code).toBe("destination_not_allowed");
    expect(upstream.requests).toHaveLength(requests);
  });
});
