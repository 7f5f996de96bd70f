import { generateApiKey } from "@connvault/core";
import { bootLocal, generateServerKey, type LocalStack } from "@connvault/local";
import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpApiEvent, lambdaContext } from "../fixtures/api-gateway-v2.ts";

let stack: LocalStack;
let handler: (event: unknown, context: unknown) => Promise<APIGatewayProxyResultV2>;
const rootApiKey = generateApiKey();

beforeAll(async () => {
  stack = await bootLocal({ rootApiKey, env: { CONNVAULT_TABLE: "connvault-dots" } });
  Object.assign(process.env, {
    CONNVAULT_TABLE: "connvault-dots",
    CONNVAULT_ROOT_API_KEY: rootApiKey,
    CONNVAULT_SERVER_KEY: generateServerKey(),
    CONNVAULT_LOG_LEVEL: "SILENT",
    AWS_ENDPOINT_URL: stack.edge.url,
  });
  ({ handler } = (await import("../../packages/functions/src/api/handler.ts")) as never);
});
afterAll(() => stack.close());

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
