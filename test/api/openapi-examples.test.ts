import { afterAll, describe, expect, it } from "vitest";
import { createOrganization, expectStatus, json, startHarness } from "../helpers/harness.ts";

/**
 * The examples of `GET /openapi.json` (what the /docs page and schemathesis' examples phase send) are
 * sent as documented, and must be accepted with the documented success status and answered as the
 * documented response example shows (ids, keys and times aside).
 */

interface Example {
  summary?: string;
  value: unknown;
}

interface MediaType {
  schema?: unknown;
  example?: unknown;
  examples?: Record<string, Example>;
}

interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  example?: unknown;
  schema?: { example?: unknown };
}

interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType> }>;
}

interface Document {
  paths: Record<string, Record<string, Operation>>;
}

/** The operations only the root key may call; every other one is sent as an organization admin. */
const ROOT_ONLY = new Set(["createOrganization", "putConnector"]);

/**
 * A path whose `{id}` names a resource: the operation that creates one, whose own documented example
 * the test sends first, in the same organization.
 */
const CREATED_BY: Record<string, string> = {
  "/v1/connections/{id}": "createConnection",
  "/unified/connection/{id}": "createUnifiedConnection",
  "/v1/connect-sessions/{id}": "createConnectSession",
  "/v1/api-keys/{id}": "createApiKey",
};

/** Fields that differ on every run: ids, secrets, links and times. */
const VOLATILE = new Set([
  "id",
  "organization_id",
  "workspace_id",
  "owner",
  "user_id",
  "api_key_id",
  "key",
  "token",
  "connect_url",
  "connector_page_url",
  "auth_aws_arn",
]);

/** The value with every volatile field that is set replaced by a marker; null stays null. */
function masked(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(masked);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      (VOLATILE.has(key) || key.endsWith("_at")) && inner !== null ? "<varies>" : masked(inner),
    ]),
  );
}

const h = await startHarness();
afterAll(() => h.close());
const doc = await json<Document>(await h.request("GET", "/openapi.json"));

const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
);
const byId = (operationId: string) => {
  const found = operations.find((op) => op.operation.operationId === operationId);
  if (!found) throw new Error(`No operation ${operationId} in the document`);
  return found;
};

/** The JSON request examples of an operation, by name (`example` is named "example"). */
const requestExamples = (operation: Operation): [string, unknown][] => {
  const media = operation.requestBody?.content["application/json"];
  if (!media) return [];
  return [
    ...(media.example !== undefined ? ([["example", media.example]] as [string, unknown][]) : []),
    ...Object.entries(media.examples ?? {}).map(([name, example]): [string, unknown] => [
      name,
      example.value,
    ]),
  ];
};

/** The one 2xx status an operation documents, and its media type. */
const success = (operation: Operation) => {
  const statuses = Object.keys(operation.responses).filter((status) => status.startsWith("2"));
  expect(statuses, `${operation.operationId} documents one success status`).toHaveLength(1);
  const status = statuses[0] as string;
  return { status: Number(status), media: operation.responses[status]?.content?.["application/json"] };
};

const parameterExample = (parameter: Parameter) => parameter.example ?? parameter.schema?.example;

/**
 * Sends an operation's request example as `key`, with the documented parameter examples; a path
 * `{id}` is first created with its creating operation's own example.
 */
async function send(op: (typeof operations)[number], body: unknown, key: string): Promise<Response> {
  const creator = Object.entries(CREATED_BY).find(([prefix]) => op.path.startsWith(prefix))?.[1];
  let path = op.path;
  const headers: Record<string, string> = {};
  const query = new URLSearchParams();
  for (const parameter of op.operation.parameters ?? []) {
    const example = parameterExample(parameter);
    if (parameter.in === "path") {
      const value = parameter.name === "id" && creator ? await created(creator, key) : example;
      expect(
        value,
        `${op.operation.operationId}: an example for path parameter ${parameter.name}`,
      ).toBeTypeOf("string");
      path = path.replace(`{${parameter.name}}`, encodeURIComponent(String(value)));
    } else if (example !== undefined && parameter.in === "header") headers[parameter.name] = String(example);
    else if (example !== undefined && parameter.in === "query") query.set(parameter.name, String(example));
  }
  const target = query.size > 0 ? `${path}?${query}` : path;
  return h.request(op.method, target, { key, body, headers });
}

/** The id of the resource that `operationId`'s first request example creates. */
async function created(operationId: string, key: string): Promise<string> {
  const creator = byId(operationId);
  const [, body] = requestExamples(creator.operation)[0] ?? [];
  const res = await send(creator, body, key);
  await expectStatus(res, success(creator.operation).status);
  return (await json<{ id: string }>(res)).id;
}

const cases = operations.flatMap((op) =>
  requestExamples(op.operation).map(([name, body]) => ({
    title: `${op.operation.operationId} (${name}): ${op.method} ${op.path}`,
    op,
    name,
    body,
  })),
);

describe("the request examples of GET /openapi.json", () => {
  it("document an example for every operation that has a request body", () => {
    const withBody = operations.filter((op) => op.operation.requestBody);
    const missing = withBody.filter((op) => requestExamples(op.operation).length === 0);
    expect(missing.map((op) => `${op.method} ${op.path}`)).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(withBody.length);
  });

  it.for(cases)("$title is accepted and answered as documented", async ({ op, name, body }) => {
    // Prepare
    const { operationId } = op.operation;
    const key = ROOT_ONLY.has(operationId) ? h.rootApiKey : (await createOrganization(h)).adminKey;
    const { status, media } = success(op.operation);
    const documented = media?.examples?.[name]?.value ?? media?.example;
    expect(documented, `${operationId}: a response example named ${name}, or one example`).toBeDefined();

    // Act
    const res = await send(op, body, key);

    // Assess
    await expectStatus(res, status);
    expect(masked(await res.json())).toEqual(masked(documented));
  });

  it("shows, as the pending OAuth2 example, what creating a Slack connection without a token answers", async () => {
    // Prepare: Slack's OAuth2 client registered as PUT /v1/connectors/slack documents it.
    const register = byId("putConnector");
    const [, connector] = requestExamples(register.operation)[0] ?? [];
    await expectStatus(send(register, connector, h.rootApiKey), 200);
    const org = await createOrganization(h);
    const create = byId("createConnection");
    const pending = success(create.operation).media?.examples?.slack_pending?.value as { name: string };

    // Act
    const res = await h.request("POST", "/v1/connectors/slack/connections", {
      key: org.adminKey,
      body: { name: pending.name },
    });

    // Assess
    await expectStatus(res, 201);
    expect(masked(await res.json())).toEqual(masked(pending));
  });
});
