import { randomBytes } from "node:crypto";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoClient, secretsManagerClient } from "../helpers/aws.ts";
import { createOrganization, type Harness, startHarness, type TestOrganization } from "../helpers/harness.ts";

let h: Harness;
let org: TestOrganization;
const canary = `canary${randomBytes(10).toString("hex")}`;

beforeAll(async () => {
  h = await startHarness();
  org = await createOrganization(h);
});
afterAll(() => h.close());

/** Any JSON value, biased towards the shapes the API expects, with the canary wherever a credential goes. */
const anything = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.constant(canary),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
);
/** Keys that name Object.prototype members: marshallers and zod records have tripped on them. */
const protoish = fc.constantFrom("constructor", "prototype", "__proto__", "toString", "hasOwnProperty");
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const security = fc.oneof(
  fc.record({ authMethod: fc.constant("bearer"), token: fc.constant(canary) }),
  fc.record({
    authMethod: fc.constant("apiKey"),
    apiKey: fc.constant(canary),
    headerName: maybe(fc.constantFrom("X-Key", "bad header")),
  }),
  fc.record({ authMethod: fc.constant("basic"), username: fc.string(), password: fc.constant(canary) }),
  fc.record({
    authMethod: fc.constantFrom("oauth2", "magic"),
    oauth2Token: fc.record({ access_token: fc.constant(canary) }),
  }),
  anything,
);
const fields = {
  name: maybe(fc.oneof(fc.string({ maxLength: 140 }), anything)),
  version: maybe(fc.oneof(fc.constantFrom("v1", "v2", null), anything)),
  security: maybe(security),
  headers: maybe(
    fc.oneof(
      fc.dictionary(fc.constantFrom("X-Tenant", "X-Other", "bad name"), fc.constant(canary)),
      anything,
    ),
  ),
  general_params: maybe(
    fc.oneof(
      fc.array(
        fc.record({ name: fc.string(), value: fc.string(), in: fc.constantFrom("query", "header", "body") }),
        { maxLength: 3 },
      ),
      anything,
    ),
  ),
  target_system_servers: maybe(
    fc.oneof(
      fc.array(fc.record({ url: fc.constantFrom("https://api.example.com", "http://example.com", "nope") }), {
        maxLength: 2,
      }),
      anything,
    ),
  ),
  access_scope: maybe(fc.oneof(fc.constantFrom("personal", "organizational"), anything)),
  is_service_account: maybe(fc.oneof(fc.boolean(), anything)),
  environment: maybe(fc.oneof(fc.string({ maxLength: 70 }), anything)),
  external_xref: maybe(fc.oneof(fc.string(), anything)),
  metadata: maybe(
    fc.oneof(fc.dictionary(fc.oneof(fc.string({ maxLength: 45 }), protoish), fc.string()), anything),
  ),
  is_paused: maybe(fc.oneof(fc.boolean(), anything)),
  extra: maybe(anything),
};
const fuzz = fc.oneof(fc.record(fields, { requiredKeys: [] }), anything);

/** Bodies that are valid for their connector, so that patches and rotations get exercised too. */
const credentialsFor = {
  stripe: fc.record({ authMethod: fc.constant("bearer"), token: fc.constant(canary) }),
  datadog: fc.record({
    authMethod: fc.constant("apiKey"),
    apiKey: fc.constant(canary),
    headerName: fc.constant("DD-API-KEY"),
  }),
  twilio: fc.record({
    authMethod: fc.constant("basic"),
    username: fc.constant("AC1"),
    password: fc.constant(canary),
  }),
  slack: fc.record({
    authMethod: fc.constant("oauth2"),
    oauth2Token: fc.record({ access_token: fc.constant(canary) }),
  }),
} as const;
const connectorAndCreate = fc.oneof(
  ...Object.entries(credentialsFor).map(([connector, credentials]) =>
    fc.tuple(
      fc.constant(connector),
      fc.record(
        {
          name: fc.string({ minLength: 1, maxLength: 40 }),
          security: credentials,
          headers: fc.dictionary(fc.constantFrom("X-Tenant", "X-Trace"), fc.constant(canary), { maxKeys: 2 }),
          access_scope: fc.constantFrom("personal", "organizational"),
          environment: fc.constantFrom("production", "staging"),
          metadata: fc.dictionary(
            fc.oneof(fc.string({ minLength: 1, maxLength: 10 }), protoish),
            fc.string({ maxLength: 20 }),
            {
              maxKeys: 3,
            },
          ),
        },
        { requiredKeys: ["name"] },
      ),
    ),
  ),
  fc.tuple(fc.constantFrom("stripe", "datadog", "twilio", "slack", "open-meteo"), fuzz),
);
const validPatch = fc.record(
  {
    name: fc.string({ minLength: 1, maxLength: 20 }),
    environment: fc.constantFrom("production", "qa"),
    is_paused: fc.boolean(),
    access_scope: fc.constantFrom("personal", "organizational"),
    external_xref: fc.oneof(fc.string({ minLength: 1, maxLength: 10 }), fc.constant(null)),
    metadata: fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ maxLength: 10 }), {
      maxKeys: 2,
    }),
  },
  { requiredKeys: [] },
);
const patchOrRotate = fc.oneof(
  validPatch,
  fc.record(fields, { requiredKeys: [] }),
  fc.record(
    { security: security, headers: fc.dictionary(fc.constantFrom("X-A", "X-B"), fc.constant(canary)) },
    { requiredKeys: [] },
  ),
  anything,
);

async function expectWellFormed(res: Response) {
  const text = await res.text();
  expect(res.status, text).toBeLessThan(500);
  expect(text).not.toContain(canary);
  expect(JSON.stringify([...res.headers])).not.toContain(canary);
  if (res.status >= 400) {
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(JSON.parse(text)).toMatchObject({ status: res.status, code: expect.any(String) });
  }
  return text;
}

describe("generated create and patch bodies", () => {
  it("never get a 5xx, always get problem+json on errors, and the canary never leaves the secret", async () => {
    let created = 0;
    await fc.assert(
      fc.asyncProperty(connectorAndCreate, patchOrRotate, async ([connector, create], patch) => {
        const res = await h.request("POST", `/v1/connectors/${connector}/connections`, {
          key: org.adminKey,
          body: create,
        });
        const text = await expectWellFormed(res);
        if (res.status !== 201) return;
        created++;
        const { id } = JSON.parse(text) as { id: string };
        await expectWellFormed(
          await h.request("PATCH", `/v1/connections/${id}`, { key: org.adminKey, body: patch }),
        );
        await expectWellFormed(
          await h.request("PUT", `/v1/connections/${id}/credentials`, { key: org.adminKey, body: patch }),
        );
      }),
      { numRuns: 300 },
    );
    expect(created).toBeGreaterThan(10);

    const scan = await dynamoClient(h.edge.url).send(new ScanCommand({ TableName: "connvault-test" }));
    expect(JSON.stringify(scan.Items)).not.toContain(canary);
    const secrets = await secretsManagerClient(h.edge.url).send(
      new ListSecretsCommand({ IncludePlannedDeletion: true }),
    );
    expect(JSON.stringify(secrets)).not.toContain(canary);
  });
});

/** unified bodies as raw JSON text, so `auth.meta` can nest deeper than JSON.stringify can go. */
const nested = (depth: number, leaf: string) =>
  fc.constantFrom("[", '{"k":').map((open) => {
    const close = open === "[" ? "]" : "}";
    return `${open.repeat(depth)}${leaf}${close.repeat(depth)}`;
  });
const unifiedBody = fc
  .record({
    integration_type: fc.constantFrom("stripe", "datadog", "nope"),
    meta: fc.oneof(
      fc.integer({ min: 0, max: 40 }).chain((depth) => nested(depth, "1")),
      fc.integer({ min: 1_000, max: 20_000 }).chain((depth) => nested(depth, "null")),
      fc.json(),
    ),
    permissions: fc.oneof(fc.constant("[]"), fc.constant('["payment_payment_read"]'), fc.json()),
  })
  .map(
    ({ integration_type, meta, permissions }) =>
      `{"integration_type":"${integration_type}","permissions":${permissions},"categories":[],"auth":{"token":"${canary}","meta":{"x":${meta}}}}`,
  );

describe("generated unified create bodies", () => {
  it("never get a 5xx, however deep auth.meta nests, and the canary never leaves the secret", async () => {
    await fc.assert(
      fc.asyncProperty(unifiedBody, async (body) => {
        await expectWellFormed(await h.request("POST", "/unified/connection", { key: org.adminKey, body }));
      }),
      { numRuns: 100 },
    );
  });
});
