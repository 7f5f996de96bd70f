import { randomBytes } from "node:crypto";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { CreateEventBusCommand, EventBridgeClient } from "@aws-sdk/client-eventbridge";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ListSecretsCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { catalog, ensureTable, generateApiKey } from "@connvault/core";
import {
  type App,
  createApiServices,
  createApp,
  dynamoClient,
  loadConfig,
  type SdkClients,
  secretsClient,
} from "@connvault/functions";
import { generateServerKey, LOCAL_ACCOUNT_ID, LOCAL_REGION } from "@connvault/local";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import {
  apiRequestInit,
  configureOAuthClient,
  createOrganization,
  expectStatus,
  type Harness,
  json,
  type RequestOptions,
  type TestOrganization,
} from "../helpers/harness.ts";

/**
 * connvault's api function on real-protocol backends instead of the embedded edge: DynamoDB Local for
 * the table, moto for Secrets Manager (and EventBridge). Nothing here sets `AWS_ENDPOINT_URL`: the SDK
 * clients are built exactly as on AWS and find the backends through the SDK's own per-service endpoint
 * variables, as any deployment-like environment would.
 */

const run = randomBytes(4).toString("hex");
const TABLE = `connvault-conformance-${run}`;
const PREFIX = `connvault/conformance-${run}`;
const CREDENTIALS = { accessKeyId: "conformance", secretAccessKey: "conformance" };
/** Put into every credential this file sends: it may appear in secret values and nowhere else. */
const CANARY = `canary${randomBytes(12).toString("hex")}`;

let clients: Pick<SdkClients, "dynamo" | "secrets"> | undefined;
let app: App;
let secrets: SecretsManagerClient;
let dynamo: DynamoDBClient;
const rootApiKey = generateApiKey();
const responses: Promise<string>[] = [];

/** What `createOrganization` and friends need of a harness: `request()` and the root key. */
const api = {
  rootApiKey,
  async request(method: string, path: string, options?: RequestOptions) {
    const res = await app.request(path, apiRequestInit(method, options));
    const copy = res.clone();
    responses.push(copy.text().then((text) => `${JSON.stringify([...copy.headers])}\n${text}`));
    return res;
  },
};
const harness = api as Pick<Harness, "request" | "rootApiKey"> as Harness;

interface Connection {
  id: string;
  etag: string;
  name: string;
  status: string;
  auth_aws_arn: string | null;
  connector_page_url: string | null;
  credentials: { version: number; managed: boolean; auth_method: string | null } | null;
}

const stripe = (name: string, token: string, extra: Record<string, unknown> = {}) => ({
  name,
  security: { authMethod: "bearer", token },
  headers: { "X-Tenant": CANARY },
  ...extra,
});

async function createConnection(key: string, connector: string, body: unknown, headers = {}) {
  const res = await api.request("POST", `/v1/connectors/${connector}/connections`, { key, body, headers });
  await expectStatus(res, 201);
  return json<Connection>(res);
}

const secretArnPattern = (organizationId: string, connectionId: string) =>
  new RegExp(
    `^arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:secret:${PREFIX}/connections/${organizationId}/${connectionId}-[A-Za-z0-9]{6}$`,
  );

beforeAll(async () => {
  const dynamoDbLocalUrl = inject("dynamoDbLocalUrl");
  const motoUrl = inject("motoUrl");
  vi.stubEnv("AWS_ENDPOINT_URL", undefined);
  vi.stubEnv("AWS_ENDPOINT_URL_DYNAMODB", dynamoDbLocalUrl);
  vi.stubEnv("AWS_ENDPOINT_URL_SECRETS_MANAGER", motoUrl);
  vi.stubEnv("AWS_ENDPOINT_URL_EVENTBRIDGE", motoUrl);
  vi.stubEnv("AWS_ACCESS_KEY_ID", CREDENTIALS.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", CREDENTIALS.secretAccessKey);
  vi.stubEnv("AWS_SESSION_TOKEN", undefined);
  vi.stubEnv("AWS_REGION", LOCAL_REGION);

  const direct = { region: LOCAL_REGION, credentials: CREDENTIALS, maxAttempts: 1 };
  secrets = new SecretsManagerClient({ ...direct, endpoint: motoUrl });
  dynamo = new DynamoDBClient({ ...direct, endpoint: dynamoDbLocalUrl });
  const events = new EventBridgeClient({ ...direct, endpoint: motoUrl });
  await events.send(new CreateEventBusCommand({ Name: `connvault-${run}` }));
  events.destroy();

  // The boot sequence of packages/local/src/boot.ts, minus the edge.
  const config = loadConfig({
    CONNVAULT_ROOT_API_KEY: rootApiKey,
    CONNVAULT_SERVER_KEY: generateServerKey(),
    CONNVAULT_TABLE: TABLE,
    CONNVAULT_SECRET_PREFIX: PREFIX,
    CONNVAULT_EVENT_BUS: `connvault-${run}`,
    CONNVAULT_LOG_LEVEL: "SILENT",
    AWS_REGION: LOCAL_REGION,
  });
  expect(config.awsEndpoint).toBeUndefined();
  clients = { dynamo: dynamoClient(config), secrets: secretsClient(config) };
  const services = createApiServices(config, {}, clients);
  await ensureTable(clients.dynamo, config.tableName);
  await services.connectors.seed(catalog());
  app = createApp(services);
});

afterAll(() => {
  clients?.dynamo.destroy();
  clients?.secrets.destroy();
  secrets?.destroy();
  dynamo?.destroy();
  vi.unstubAllEnvs();
});

describe("the API on DynamoDB Local and moto", () => {
  let org: TestOrganization;

  beforeAll(async () => {
    org = await createOrganization(harness, "Conformance org");
  });

  it("answers the health check without a key", async () => {
    const res = await api.request("GET", "/v1/health");
    await expectStatus(res, 200);
    expect(await json(res)).toMatchObject({ status: "ok" });
  });

  it("issues a member key and tells each key who it is", async () => {
    const member = await org.member();
    const me = await json(await api.request("GET", "/v1/me", { key: member.key }));
    expect(me).toMatchObject({ organization_id: org.id, user_id: member.userId, role: "member" });
    const keys = await json<{ data: unknown[] }>(
      await api.request("GET", "/v1/api-keys", { key: org.adminKey }),
    );
    expect(keys.data.length).toBeGreaterThanOrEqual(2);
  });

  it("creates a connection whose credentials land in a tagged moto secret, and reads it back", async () => {
    const created = await createConnection(org.adminKey, "stripe", stripe("Stripe", `sk_${CANARY}`));

    expect(created).toMatchObject({ status: "active", credentials: { version: 1, managed: true } });
    expect(created.auth_aws_arn).toMatch(secretArnPattern(org.id, created.id));
    const value = await secrets.send(new GetSecretValueCommand({ SecretId: created.auth_aws_arn ?? "" }));
    expect(JSON.parse(value.SecretString ?? "{}")).toEqual({
      security: { authMethod: "bearer", token: `sk_${CANARY}` },
      headers: { "X-Tenant": CANARY },
    });
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: created.auth_aws_arn ?? "" }));
    expect(described.Tags).toEqual(
      expect.arrayContaining([{ Key: "connvault:organization_id", Value: org.id }]),
    );

    const got = await api.request("GET", `/v1/connections/${created.id}`, { key: org.adminKey });
    await expectStatus(got, 200);
    expect(got.headers.get("etag")).toBe(created.etag);
    expect(await json(got)).toMatchObject({
      id: created.id,
      name: "Stripe",
      auth_aws_arn: created.auth_aws_arn,
    });
  });

  it("creates an OAuth2 connection pending authorization, with no secret", async () => {
    await configureOAuthClient(harness, "slack");
    const created = await createConnection(org.adminKey, "slack", {
      name: "Slack",
      redirect_url: "https://app.example.com/done",
    });

    expect(created).toMatchObject({ status: "pending_authorization", auth_aws_arn: null, credentials: null });
    expect(new URL(created.connector_page_url ?? "").pathname).toBe("/oauth2/authorize");
    const listed = await secrets.send(
      new ListSecretsCommand({
        Filters: [{ Key: "name", Values: [`${PREFIX}/connections/${org.id}/${created.id}`] }],
      }),
    );
    expect(listed.SecretList ?? []).toEqual([]);
  });

  it("adopts a secret created directly in moto when it is tagged for the organization", async () => {
    const tagged = await secrets.send(
      new CreateSecretCommand({
        Name: `byo/${run}/${org.id}/stripe`,
        SecretString: JSON.stringify({ token: CANARY }),
        Tags: [{ Key: "connvault:organization_id", Value: org.id }],
      }),
    );
    const untagged = await secrets.send(
      new CreateSecretCommand({ Name: `byo/${run}/${org.id}/untagged`, SecretString: "{}" }),
    );

    const adopted = await createConnection(org.adminKey, "stripe", {
      name: "Adopted",
      auth_aws_arn: tagged.ARN,
    });
    const refused = await api.request("POST", "/v1/connectors/stripe/connections", {
      key: org.adminKey,
      body: { name: "Refused", auth_aws_arn: untagged.ARN },
    });

    expect(adopted).toMatchObject({
      auth_aws_arn: tagged.ARN,
      status: "active",
      credentials: { managed: false },
    });
    await expectStatus(refused, 422);
  });

  it("lists with filters and pages with an opaque cursor, newest first", async () => {
    const other = await createOrganization(harness, "Listing org");
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const body = { name: `meteo ${index}`, access_scope: "organizational", environment: "staging" };
      ids.push((await createConnection(other.adminKey, "open-meteo", body)).id);
    }
    const bearer = await createConnection(
      other.adminKey,
      "stripe",
      stripe("billing", CANARY, { external_xref: "cust-9" }),
    );
    const list = async (query: string) => {
      const res = await api.request("GET", `/v1/connections${query}`, { key: other.adminKey });
      await expectStatus(res, 200);
      return json<{ data: Connection[]; next_cursor: string | null }>(res);
    };

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      seen.push(...page.data.map((connection) => connection.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);

    expect(pages).toBe(3);
    expect(seen).toEqual([bearer.id, ...[...ids].reverse()]);
    expect((await list("?connector_id=stripe")).data.map((c) => c.id)).toEqual([bearer.id]);
    expect((await list("?external_xref=cust-9")).data.map((c) => c.id)).toEqual([bearer.id]);
    expect((await list("?environment=staging&access_scope=organizational&limit=100")).data).toHaveLength(5);
    expect((await list("?status=pending_authorization")).data).toEqual([]);
    const forged = await api.request("GET", "/v1/connections?cursor=forged", { key: other.adminKey });
    await expectStatus(forged, 400);
  });

  it("patches with If-Match and answers 412 to a stale ETag, changing nothing", async () => {
    const created = await createConnection(org.adminKey, "stripe", stripe("before", CANARY));
    const patch = (name: string, etag: string) =>
      api.request("PATCH", `/v1/connections/${created.id}`, {
        key: org.adminKey,
        body: { name },
        headers: { "if-match": etag },
      });

    const ok = await patch("after", created.etag);
    const stale = await patch("too late", created.etag);

    await expectStatus(ok, 200);
    await expectStatus(stale, 412);
    const current = await json<Connection>(
      await api.request("GET", `/v1/connections/${created.id}`, { key: org.adminKey }),
    );
    expect(current.name).toBe("after");
  });

  it("rotates credentials into a new AWSCURRENT version, the old one AWSPREVIOUS in moto", async () => {
    const created = await createConnection(org.adminKey, "stripe", stripe("rotated", `old_${CANARY}`));
    const arn = created.auth_aws_arn ?? "";

    const res = await api.request("PUT", `/v1/connections/${created.id}/credentials`, {
      key: org.adminKey,
      body: { security: { authMethod: "bearer", token: `new_${CANARY}` } },
    });

    await expectStatus(res, 200);
    expect(await json(res)).toMatchObject({ auth_aws_arn: arn, credentials: { version: 2, managed: true } });
    const current = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    const previous = await secrets.send(
      new GetSecretValueCommand({ SecretId: arn, VersionStage: "AWSPREVIOUS" }),
    );
    expect(JSON.parse(current.SecretString ?? "{}")).toMatchObject({ security: { token: `new_${CANARY}` } });
    expect(JSON.parse(previous.SecretString ?? "{}")).toMatchObject({ security: { token: `old_${CANARY}` } });
    expect(current.VersionStages).toEqual(["AWSCURRENT"]);
    expect(previous.VersionStages).toEqual(["AWSPREVIOUS"]);
  });

  it("records health reports in the connection's status", async () => {
    const created = await createConnection(org.adminKey, "stripe", stripe("health", CANARY));
    const report = async (body: unknown) =>
      json<Connection & { last_unhealthy_at: string | null; last_healthy_at: string | null }>(
        await api.request("POST", `/v1/connections/${created.id}/health`, { key: org.adminKey, body }),
      );

    const sick = await report({ healthy: false, reason: "HTTP 401" });
    const well = await report({ healthy: true });

    expect(sick).toMatchObject({ status: "unhealthy", last_unhealthy_at: expect.any(String) });
    expect(well).toMatchObject({ status: "active", last_healthy_at: expect.any(String) });
  });

  it("deletes: the secret is scheduled for deletion in moto, or removed at once with force=true", async () => {
    const scheduled = await createConnection(org.adminKey, "stripe", stripe("scheduled", CANARY));
    const forced = await createConnection(org.adminKey, "stripe", stripe("forced", CANARY));

    const first = await api.request("DELETE", `/v1/connections/${scheduled.id}`, { key: org.adminKey });
    const second = await api.request("DELETE", `/v1/connections/${forced.id}?force=true`, {
      key: org.adminKey,
    });

    expect([first.status, second.status]).toEqual([204, 204]);
    await expectStatus(api.request("GET", `/v1/connections/${scheduled.id}`, { key: org.adminKey }), 404);
    const described = await secrets.send(
      new DescribeSecretCommand({ SecretId: scheduled.auth_aws_arn ?? "" }),
    );
    expect(described.DeletedDate).toBeInstanceOf(Date);
    await expect(
      secrets.send(new GetSecretValueCommand({ SecretId: scheduled.auth_aws_arn ?? "" })),
    ).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(
      secrets.send(new DescribeSecretCommand({ SecretId: forced.auth_aws_arn ?? "" })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("turns 20 concurrent creates with one Idempotency-Key into one connection and one secret", async () => {
    const fresh = await createOrganization(harness, "Idempotency org");
    const send = () =>
      api.request("POST", "/v1/connectors/stripe/connections", {
        key: fresh.adminKey,
        body: stripe("idempotent", CANARY),
        headers: { "idempotency-key": `idem-${run}` },
      });

    const results = await Promise.all(Array.from({ length: 20 }, send));

    expect(results.map((res) => res.status)).toEqual(Array(20).fill(201));
    const bodies = await Promise.all(results.map((res) => json<Connection>(res)));
    expect(new Set(bodies.map((body) => body.id)).size).toBe(1);
    expect(results.filter((res) => res.headers.get("idempotent-replayed") === "true")).toHaveLength(19);
    const listed = await json<{ data: unknown[] }>(
      await api.request("GET", "/v1/connections?limit=100", { key: fresh.adminKey }),
    );
    expect(listed.data).toHaveLength(1);
    const secretsOfOrg = await secrets.send(
      new ListSecretsCommand({ Filters: [{ Key: "name", Values: [`${PREFIX}/connections/${fresh.id}/`] }] }),
    );
    expect(secretsOfOrg.SecretList).toHaveLength(1);
  });

  // Last: it checks everything the tests above sent and stored.
  it("never lets a credential out: not in a response, not in a DynamoDB Local item", async () => {
    const errors = [
      await api.request("POST", "/v1/connectors/stripe/connections", {
        key: org.adminKey,
        body: { name: 7, security: { authMethod: "bearer", token: CANARY, extra: CANARY } },
      }),
      await api.request("POST", "/v1/connectors/stripe/connections", {
        key: org.adminKey,
        body: `{"name":"x","security":{"token":"${CANARY}"`,
      }),
    ];
    expect(errors.map((res) => res.status)).toEqual([422, 400]);

    const sent = await Promise.all(responses);
    expect(sent.length).toBeGreaterThan(40);
    expect(sent.join("\n")).not.toContain(CANARY);

    const items: unknown[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(
        new ScanCommand({ TableName: TABLE, ...(start ? { ExclusiveStartKey: start as never } : {}) }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    expect(items.length).toBeGreaterThan(20);
    expect(JSON.stringify(items)).not.toContain(CANARY);
  });
});
