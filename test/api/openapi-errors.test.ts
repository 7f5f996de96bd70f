import { afterAll, describe, expect, it } from "vitest";
import { statusOf } from "../../packages/functions/src/api/problems.ts";
import {
  createOrganization,
  expectStatus,
  type Harness,
  json,
  startHarness,
  type TestOrganization,
} from "../helpers/harness.ts";

/**
 * Each error response of `GET /openapi.json` lists the problem codes it can carry (in its description,
 * its examples and an `enum` on `code`); the codes must answer with that status, and what the API
 * really answers must be among them.
 */

interface ErrorMedia {
  schema: { allOf?: [{ $ref: string }, { properties: { code: { enum: string[] } } }] };
  examples?: Record<string, { value: { type: string; status: number; code: string } }>;
}

interface Operation {
  operationId: string;
  responses: Record<string, { description: string; content?: Record<string, ErrorMedia> }>;
}

const h: Harness = await startHarness();
afterAll(() => h.close());
const doc = await json<{ paths: Record<string, Record<string, Operation>> }>(
  await h.request("GET", "/openapi.json"),
);

const operations = Object.values(doc.paths).flatMap((methods) => Object.values(methods));
const errorResponses = operations.flatMap((operation) =>
  Object.entries(operation.responses)
    .filter(([status]) => Number(status) >= 400)
    .map(([status, response]) => ({ operation: operation.operationId, status: Number(status), response })),
);

/** The codes the document lists for an operation's answers with this status (empty if none). */
function documentedCodes(operationId: string, status: number): string[] {
  const operation = operations.find((op) => op.operationId === operationId);
  if (!operation) throw new Error(`No operation ${operationId} in the document`);
  const media = operation.responses[String(status)]?.content?.["application/problem+json"];
  return media?.schema.allOf?.[1].properties.code.enum ?? [];
}

describe("the error responses of GET /openapi.json", () => {
  it("list, under each status, codes that the API answers with that status", () => {
    expect(errorResponses.length).toBeGreaterThan(100);
    for (const { operation, status, response } of errorResponses) {
      const where = `${operation} ${status}`;
      const media = response.content?.["application/problem+json"];
      expect(media?.schema.allOf?.[0], where).toEqual({ $ref: "#/components/schemas/Problem" });
      const codes = documentedCodes(operation, status);
      expect(codes.length, where).toBeGreaterThan(0);
      for (const code of codes) {
        expect(statusOf(code as Parameters<typeof statusOf>[0]), `${where}: ${code}`).toBe(status);
        expect(response.description, where).toContain(`\`${code}\`: `);
        expect(media?.examples?.[code]?.value, `${where}: ${code}`).toMatchObject({
          type: `urn:connvault:problem:${code}`,
          status,
          code,
        });
      }
      expect(Object.keys(media?.examples ?? {}).sort(), where).toEqual([...codes].sort());
    }
  });

  it("list the codes every authenticated operation shares", () => {
    for (const operation of operations.filter((op) => op.operationId !== "getHealth")) {
      expect(documentedCodes(operation.operationId, 401), operation.operationId).toEqual(["unauthorized"]);
      expect(documentedCodes(operation.operationId, 429).sort(), operation.operationId).toEqual([
        "rate_limited",
        "throttled",
      ]);
      expect(documentedCodes(operation.operationId, 500), operation.operationId).toEqual(["internal_error"]);
      expect(documentedCodes(operation.operationId, 503), operation.operationId).toEqual([
        "dependency_unavailable",
      ]);
    }
  });
});

type Act = (org: TestOrganization) => Promise<Response>;

const stripe = { name: "Stripe", security: { authMethod: "bearer", token: "sk_test_1" } };

/** Creates a Stripe connection in the organization and returns its id. */
async function stripeConnection(org: TestOrganization): Promise<string> {
  const res = await h.request("POST", "/v1/connectors/stripe/connections", {
    key: org.adminKey,
    body: stripe,
  });
  await expectStatus(res, 201);
  return (await json<{ id: string }>(res)).id;
}

/** Real mistakes, each with the operation it is sent to and the status it must answer. */
const mistakes: { title: string; operationId: string; status: number; code: string; act: Act }[] = [
  {
    title: "an unknown connector",
    operationId: "createConnection",
    status: 404,
    code: "connector_not_found",
    act: (org) => h.request("POST", "/v1/connectors/strpe/connections", { key: org.adminKey, body: stripe }),
  },
  {
    title: "an invalid body",
    operationId: "createConnection",
    status: 422,
    code: "validation_failed",
    act: (org) =>
      h.request("POST", "/v1/connectors/stripe/connections", { key: org.adminKey, body: { name: "" } }),
  },
  {
    title: "malformed JSON",
    operationId: "createConnection",
    status: 400,
    code: "malformed_json",
    act: (org) =>
      h.request("POST", "/v1/connectors/stripe/connections", { key: org.adminKey, body: '{"name": ' }),
  },
  {
    title: "a body that is not JSON",
    operationId: "reportHealth",
    status: 415,
    code: "unsupported_media_type",
    act: async (org) =>
      h.request("POST", `/v1/connections/${await stripeConnection(org)}/health`, {
        key: org.adminKey,
        body: "healthy=true",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
  },
  {
    title: "an Idempotency-Key sent again with another body",
    operationId: "createConnection",
    status: 422,
    code: "idempotency_key_reused",
    act: async (org) => {
      const headers = { "idempotency-key": "order-42" };
      const path = "/v1/connectors/stripe/connections";
      await expectStatus(h.request("POST", path, { key: org.adminKey, body: stripe, headers }), 201);
      return h.request("POST", path, { key: org.adminKey, body: { ...stripe, name: "Other" }, headers });
    },
  },
  {
    title: "an OAuth2 connection whose connector has no client",
    operationId: "createConnection",
    status: 422,
    code: "oauth2_client_not_configured",
    act: (org) =>
      h.request("POST", "/v1/connectors/github/connections", { key: org.adminKey, body: { name: "GitHub" } }),
  },
  {
    title: "an unknown connection",
    operationId: "getConnection",
    status: 404,
    code: "connection_not_found",
    act: (org) => h.request("GET", "/v1/connections/conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A", { key: org.adminKey }),
  },
  {
    title: "a stale If-Match",
    operationId: "updateConnection",
    status: 412,
    code: "precondition_failed",
    act: async (org) =>
      h.request("PATCH", `/v1/connections/${await stripeConnection(org)}`, {
        key: org.adminKey,
        body: { name: "Renamed" },
        headers: { "if-match": '"7"' },
      }),
  },
  {
    title: "a forged cursor",
    operationId: "listConnections",
    status: 400,
    code: "invalid_cursor",
    act: (org) => h.request("GET", "/v1/connections?cursor=forged", { key: org.adminKey }),
  },
  {
    title: "a member on an admin operation",
    operationId: "listApiKeys",
    status: 403,
    code: "forbidden",
    act: async (org) => h.request("GET", "/v1/api-keys", { key: (await org.member()).key }),
  },
  {
    title: "an unknown API key id",
    operationId: "revokeApiKey",
    status: 404,
    code: "api_key_not_found",
    act: (org) => h.request("DELETE", "/v1/api-keys/key_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A", { key: org.adminKey }),
  },
  {
    title: "an unknown connect session",
    operationId: "getConnectSession",
    status: 404,
    code: "connect_session_not_found",
    act: (org) =>
      h.request("GET", "/v1/connect-sessions/cs_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A", { key: org.adminKey }),
  },
  {
    title: "authorizing a connection whose connector is not OAuth2",
    operationId: "authorizeConnection",
    status: 422,
    code: "validation_failed",
    act: async (org) =>
      h.request("POST", `/v1/connections/${await stripeConnection(org)}/authorize`, { key: org.adminKey }),
  },
  {
    title: "an unknown unified.to integration_type",
    operationId: "createUnifiedConnection",
    status: 422,
    code: "validation_failed",
    act: (org) =>
      h.request("POST", "/unified/connection", {
        key: org.adminKey,
        body: { integration_type: "strpe", permissions: [], categories: [] },
      }),
  },
  {
    title: "an unknown API key",
    operationId: "getMe",
    status: 401,
    code: "unauthorized",
    act: () => h.request("GET", "/v1/me", { key: "cvk_unknown" }),
  },
];

describe("real error answers", () => {
  it.for(mistakes)("$title: $operationId answers $status $code, a code it documents", async (mistake) => {
    // Prepare
    const org = await createOrganization(h);

    // Act
    const res = await mistake.act(org);

    // Assess
    await expectStatus(res, mistake.status);
    const problem = await json<{ code: string; status: number }>(res);
    expect(problem).toMatchObject({ code: mistake.code, status: mistake.status });
    expect(documentedCodes(mistake.operationId, mistake.status)).toContain(problem.code);
  });
});
