import { generateApiKey } from "@connvault/core";
import { bootLocal, generateServerKey, type LocalStack } from "@connvault/local";
import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpApiEvent, lambdaContext } from "../fixtures/api-gateway-v2.ts";

let stack: LocalStack;
let handler: (event: unknown, context: unknown) => Promise<APIGatewayProxyResultV2>;
const rootApiKey = generateApiKey();

beforeAll(async () => {
  // The edge plays AWS; the handler module reads its configuration from the environment, as on Lambda.
  stack = await bootLocal({ rootApiKey, env: { CONNVAULT_TABLE: "connvault-lambda" } });
  Object.assign(process.env, {
    CONNVAULT_TABLE: "connvault-lambda",
    CONNVAULT_ROOT_API_KEY: rootApiKey,
    CONNVAULT_SERVER_KEY: generateServerKey(),
    CONNVAULT_LOG_LEVEL: "SILENT",
    AWS_ENDPOINT_URL: stack.edge.url,
  });
  ({ handler } = (await import("../../packages/functions/src/api/handler.ts")) as never);
});
afterAll(() => stack.close());

async function invoke(...args: Parameters<typeof httpApiEvent>) {
  const event = httpApiEvent(...args);
  const result = (await handler(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
  const text = result.isBase64Encoded
    ? Buffer.from(result.body ?? "", "base64").toString()
    : (result.body ?? "");
  return { event, result, body: text ? JSON.parse(text) : undefined };
}

describe("the api Lambda behind API Gateway HTTP API (payload 2.0)", () => {
  it("serves a create and a read end to end, with API Gateway's request id", async () => {
    const org = await invoke("POST", "/v1/organizations", {
      headers: { authorization: `Bearer ${rootApiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Lambda Org" }),
    });
    expect(org.result.statusCode, JSON.stringify(org.body)).toBe(201);
    const adminKey = org.body.admin_api_key.key as string;

    const created = await invoke("POST", "/v1/connectors/stripe/connections", {
      headers: { "x-api-key": adminKey, "content-type": "application/json" },
      body: JSON.stringify({ name: "Stripe", security: { authMethod: "bearer", token: "sk_live_x" } }),
      base64: true,
    });
    expect(created.result.statusCode, JSON.stringify(created.body)).toBe(201);
    expect(created.result.headers?.location).toBe(`/v1/connections/${created.body.id}`);
    expect(created.result.headers?.["x-request-id"]).toBe(created.event.requestContext.requestId);

    const read = await invoke("GET", `/v1/connections/${created.body.id}`, {
      headers: { "x-api-key": adminKey },
    });
    expect(read.result.statusCode).toBe(200);
    expect(read.body).toEqual(created.body);
    expect(read.result.headers?.etag).toBe('"1"');
  });

  it("passes the raw query string through to list filters", async () => {
    const org = await invoke("POST", "/v1/organizations", {
      headers: { authorization: `Bearer ${rootApiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Query Org" }),
    });
    const headers = { "x-api-key": org.body.admin_api_key.key, "content-type": "application/json" };
    for (const environment of ["production", "staging"]) {
      await invoke("POST", "/v1/connectors/open-meteo/connections", {
        headers,
        body: JSON.stringify({ name: environment, environment }),
      });
    }
    const page = await invoke("GET", "/v1/connections", { headers, query: "environment=staging&limit=5" });
    expect(page.result.statusCode).toBe(200);
    expect(page.body.data.map((c: { name: string }) => c.name)).toEqual(["staging"]);
  });

  it("sends each call's own input through AWS clients that resolve their middleware once", async () => {
    // The handler's clients cache the middleware stack per command type (no test middleware here):
    // a cache that replayed an earlier call's input would mix these connections up.
    const org = await invoke("POST", "/v1/organizations", {
      headers: { authorization: `Bearer ${rootApiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Cache Org" }),
    });
    const headers = { "x-api-key": org.body.admin_api_key.key, "content-type": "application/json" };
    const names = ["first", "second", "third"];
    const ids: string[] = [];
    for (const name of names) {
      const created = await invoke("POST", "/v1/connectors/stripe/connections", {
        headers,
        body: JSON.stringify({ name, security: { authMethod: "bearer", token: `sk_${name}` } }),
      });
      expect(created.result.statusCode).toBe(201);
      ids.push(created.body.id);
    }
    expect(new Set(ids).size).toBe(3);
    for (const [index, id] of ids.entries()) {
      const read = await invoke("GET", `/v1/connections/${id}`, { headers });
      expect(read.body).toMatchObject({ id, name: names[index] });
    }
    await invoke("DELETE", `/v1/connections/${ids[1]}`, { headers });
    const page = await invoke("GET", "/v1/connections", { headers });
    expect(page.body.data.map((c: { name: string }) => c.name)).toEqual(["third", "first"]);
    const arns = new Set(page.body.data.map((c: { auth_aws_arn: string }) => c.auth_aws_arn));
    expect(arns.size).toBe(2);
  });

  it("answers problem+json for an unauthenticated request", async () => {
    const res = await invoke("GET", "/v1/me");
    expect(res.result.statusCode).toBe(401);
    expect(res.result.headers?.["content-type"]).toBe("application/problem+json");
    expect(res.body.code).toBe("unauthorized");
  });
});

describe("the api Lambda and dot segments", () => {
  it.each(["/v1/organizations/../organizations", "/v1/x/%2e%2e/organizations"])(
    "answers 404 for rawPath %s instead of routing the resolved path",
    async (path) => {
      const event = httpApiEvent("POST", path, {
        headers: { authorization: `Bearer ${rootApiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "Dotted" }),
      });
      const result = (await handler(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
      expect(result.statusCode, result.body).toBe(404);
      expect(result.headers?.["content-type"]).toBe("application/problem+json");
    },
  );
});
