import { randomBytes } from "node:crypto";
import { PutItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
  UntagResourceCommand,
} from "@aws-sdk/client-secrets-manager";
import { catalog } from "@connvault/core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dynamoClient, secretsManagerClient } from "../helpers/aws.ts";
import { expectStatus } from "../helpers/harness.ts";
import { type CfnResponse, cloudFormationStack, startResponseEndpoint } from "../helpers/lambda-events.ts";
import { followToRedirect, startOAuthServer } from "../helpers/oauth-server.ts";
import { receiveAll, sqsClient } from "../helpers/sqs.ts";
import type { AwsCall } from "./iam-proxy.ts";
import { type Simulation, startSimulation } from "./simulation.ts";
import type { HttpResponse } from "./triggers.ts";

// Scenarios through the simulated deployment (README.md in this folder): HTTP through the synthesized
// routes, the stream and queue mappings, the schedule and CloudFormation, each function in its own
// Node 24 process with its synthesized environment, every AWS call checked against its synthesized IAM.

const lambdaNode = inject("lambdaNode");
let sim: Simulation;

beforeAll(async () => {
  if (!lambdaNode) return;
  // The catalog's Stripe entry, added the way an operator adds a connector.
  const { id: _id, ...stripe } = catalog().find((c) => c.id === "stripe") ?? { id: "" };
  sim = await startSimulation({ lambdaNode, bundleDir: inject("bundleDir"), connectors: { stripe } });
});

afterAll(async () => {
  await sim?.close();
});

const root = () => ({ authorization: `Bearer ${sim.rootApiKey}` });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const json = <T = Record<string, unknown>>(res: HttpResponse) => JSON.parse(res.body) as T;

/** A new organization, created over HTTP with the root key. */
async function organization() {
  const res = await sim.api.request("POST", "/v1/organizations", {
    headers: root(),
    body: { name: "Deploy org" },
  });
  await expectStatus(res, 201);
  const org = json<{ id: string; admin_api_key: { key: string; user_id: string } }>(res);
  return { id: org.id, key: org.admin_api_key.key, userId: org.admin_api_key.user_id };
}

/** Every function's log output so far (CloudWatch Logs on AWS). */
const logs = () => [...sim.starts.values()].flatMap((s) => (s instanceof Error ? [] : s.output)).join("");

const denied = () =>
  sim.calls.filter((c) => c.status === 400 && c.authorizations.some((a) => a.decision !== "Allowed"));

describe.skipIf(!lambdaNode)("every synthesized function, started as Lambda starts it", () => {
  it("initializes from its bundle folder alone, on Node 24, with exactly its synthesized environment", () => {
    const rows = [...sim.starts].map(([bundle, start]) => ({
      function: bundle,
      runtime: sim.fnByBundle(bundle).runtime,
      init: start instanceof Error ? start.message.split("\n")[0] : `${start.initMs.toFixed(0)} ms`,
    }));
    console.table(rows);
    const failed = [...sim.starts.values()]
      .filter((s) => s instanceof Error)
      .map((e) => (e as Error).message);
    expect(failed).toEqual([]);
    expect(sim.starts.size).toBe(sim.d.functions.length);
    // The hosted connect page's function among them, started from its own bundle.
    expect(sim.fnByBundle("connect").bundle).toBe("dist/functions/connect");
  });

  it("routes /oauth2/* to the oauth function, /connect/* to the connect function, calls through a connection to the proxy, the rest to the api", () => {
    const fn = (method: string, path: string) =>
      sim.d.functions.find((f) => f.arn === sim.api.select(method, path)?.route.functionArn)?.bundle;
    expect(fn("GET", "/oauth2/callback")).toBe("dist/functions/oauth");
    expect(fn("GET", "/oauth2/authorize")).toBe("dist/functions/oauth");
    expect(fn("GET", "/connect/cs_1.abc")).toBe("dist/functions/connect");
    expect(fn("POST", "/connect/cs_1.abc")).toBe("dist/functions/connect");
    expect(fn("GET", "/connect/cs_1.abc/oauth2")).toBe("dist/functions/connect");
    expect(fn("POST", "/v1/connect-sessions")).toBe("dist/functions/api");
    expect(fn("GET", "/v1/connections/conn_1")).toBe("dist/functions/api");
    expect(fn("POST", "/v1/connections/conn_1/proxy")).toBe("dist/functions/proxy");
    expect(fn("DELETE", "/v1/connections/conn_1/proxy/a/b")).toBe("dist/functions/proxy");
    expect(fn("GET", "/passthrough/conn_1/a")).toBe("dist/functions/proxy");
    expect(fn("GET", "/v1/connections/conn_1/proxyish")).toBe("dist/functions/api");
    expect(sim.api.select("GET", "/v1/connections/conn_1/proxy/a/b")?.pathParameters).toEqual({
      id: "conn_1",
      proxy: "a/b",
    });
    expect(sim.api.select("PUT", "/v1/connections/conn_1/credentials")?.pathParameters).toEqual({
      id: "conn_1",
    });
  });
});

describe.skipIf(!lambdaNode)("HTTP through the synthesized routes", () => {
  it("creates, reads, rotates and deletes a connection; the canary is in no response, log or item", async () => {
    const canary = `canary${randomBytes(12).toString("hex")}`;
    const org = await organization();
    const responses: HttpResponse[] = [];
    const send = async (method: string, path: string, body?: unknown) => {
      const res = await sim.api.request(method, path, {
        headers: bearer(org.key),
        ...(body ? { body } : {}),
      });
      responses.push(res);
      return res;
    };

    const created = await send("POST", "/v1/connectors/stripe/connections", {
      name: "Stripe",
      security: { authMethod: "bearer", token: canary },
    });
    await expectStatus(created, 201);
    const { id } = json<{ id: string }>(created);
    await expectStatus(send("GET", `/v1/connections/${id}`), 200);
    const rotated = await send("PUT", `/v1/connections/${id}/credentials`, {
      security: { authMethod: "bearer", token: `${canary}2` },
    });
    await expectStatus(rotated, 200);
    await expectStatus(send("DELETE", `/v1/connections/${id}`), 204);
    await expectStatus(send("GET", `/v1/connections/${id}`), 404);
    await sim.stream.drain();

    const items = await dynamoClient(sim.edge.url).send(new ScanCommand({ TableName: sim.d.table.name }));
    for (const res of responses) expect(JSON.stringify(res)).not.toContain(canary);
    expect(logs()).not.toContain(canary);
    expect(JSON.stringify(items.Items)).not.toContain(canary);
    expect(JSON.stringify(sim.edge.events.events)).not.toContain(canary);
    // One event per change, in order, published by the events function from the table's stream.
    const published = sim.edge.events.events.filter(
      (e) => (e.detail as { connection?: { id?: string } }).connection?.id === id,
    );
    expect(published.map((e) => e.detail_type)).toEqual([
      "connection.created",
      "connection.credentials_rotated",
      "connection.deleted",
    ]);
  });
});

describe.skipIf(!lambdaNode)("the table's stream through the synthesized mapping", () => {
  it("publishes each change once and in order when a publish fails part-way through a batch", async () => {
    const org = await organization();
    await sim.stream.drain();
    sim.stream.pause();
    const ids: string[] = [];
    for (const name of ["first", "second", "third"]) {
      const res = await sim.api.request("POST", "/v1/connectors/stripe/connections", {
        headers: bearer(org.key),
        body: { name, security: { authMethod: "bearer", token: "sk_order" } },
      });
      await expectStatus(res, 201);
      ids.push(json<{ id: string }>(res).id);
    }
    await sim.stream.drain();
    const before = sim.stream.batches.length;
    // Every attempt the SDK makes (3) fails once: the first record fails transiently, the rest wait.
    sim.failNext("events", "events:PutEvents", 3);
    sim.stream.resume();
    await sim.stream.drain();

    const published = sim.edge.events.events
      .map((e) => (e.detail as { connection?: { id?: string } }).connection?.id ?? "")
      .filter((id) => ids.includes(id));
    expect(published).toEqual(ids);
    const injected = sim.calls.filter((c) => c.function === sim.fnByBundle("events").id && c.status === 500);
    expect(injected.length).toBeGreaterThanOrEqual(3);
    expect(sim.stream.batches.slice(before)[0]).toBeGreaterThanOrEqual(ids.length);
    expect(sim.stream.batches.length - before).toBeGreaterThan(1);
  });

  it("sends a batch past the mapping's maximum record age to its on-failure destination, unpublished", async () => {
    const { maximumRecordAgeInSeconds: maxAge, onFailureArn = "" } = sim.stream.mapping;
    expect(maxAge).toBeGreaterThan(0);
    const sequence = `9${randomBytes(10).toString("hex")}`.slice(0, 21);
    const before = sim.stream.batches.length;
    sim.stream.push({
      eventID: randomBytes(16).toString("hex"),
      eventName: "INSERT",
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: "us-east-1",
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000) - maxAge - 60,
        Keys: { pk: { S: "ORG#old" }, sk: { S: "CONN#old" } },
        SequenceNumber: sequence,
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
    });
    await sim.stream.drain();
    expect(sim.stream.batches.length).toBe(before);
    const messages = await receiveAll(sqsClient(sim.edge.url), sim.queueUrl(onFailureArn));
    expect(messages.map((m) => JSON.parse(m.Body ?? "{}"))).toContainEqual(
      expect.objectContaining({
        requestContext: expect.objectContaining({ condition: "RecordAgeExceeded" }),
        DDBStreamBatchInfo: expect.objectContaining({ startSequenceNumber: sequence, batchSize: 1 }),
      }),
    );
  });

  it("sends a record the events function cannot publish whole to the events DLQ, and moves on", async () => {
    const key = { pk: { S: `ORG#poison-${randomBytes(4).toString("hex")}` }, sk: { S: "CONN#conn_poison" } };
    const table = dynamoClient(sim.edge.url);
    await table.send(
      new PutItemCommand({ TableName: sim.d.table.name, Item: { ...key, entity: { S: "connection" } } }),
    );
    await sim.stream.drain();
    const dlqArn = sim.stream.mapping.onFailureArn ?? "";
    const messages = await receiveAll(sqsClient(sim.edge.url), sim.queueUrl(dlqArn));
    const bodies = messages.map((m) => JSON.parse(m.Body ?? "{}"));
    expect(bodies).toContainEqual(
      expect.objectContaining({
        reason: "unparseable",
        record: expect.objectContaining({ dynamodb: expect.objectContaining({ Keys: key }) }),
      }),
    );
    table.destroy();
  });
});

describe.skipIf(!lambdaNode)("IAM, evaluated on every AWS call", () => {
  const asFunction = (bundle: string) =>
    new SecretsManagerClient({
      endpoint: sim.proxyOf(bundle),
      region: "us-east-1",
      credentials: { accessKeyId: `direct-${sim.fnByBundle(bundle).name}`, secretAccessKey: "x" },
      maxAttempts: 1,
    });

  it("answers AccessDeniedException, as AWS does, when the api function's role reads a secret", async () => {
    const org = await organization();
    const created = await sim.api.request("POST", "/v1/connectors/stripe/connections", {
      headers: bearer(org.key),
      body: { name: "read me", security: { authMethod: "bearer", token: "sk_test" } },
    });
    const arn = json<{ auth_aws_arn: string }>(created).auth_aws_arn;
    const api = asFunction("api");
    const fn = sim.fnByBundle("api");
    await expect(api.send(new GetSecretValueCommand({ SecretId: arn }))).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: `User: arn:aws:sts::123456789012:assumed-role/${fn.roleName}/${fn.name} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${arn} with an explicit deny in an identity-based policy`,
    });
    expect((await api.send(new DescribeSecretCommand({ SecretId: arn }))).ARN).toBe(arn);
    api.destroy();
  });
});

describe.skipIf(!lambdaNode)("adoption and the resolver", () => {
  it("adopts a secret tagged for the organization and resolves it through the resolver function", async () => {
    const org = await organization();
    const sm = secretsManagerClient(sim.edge.url);
    const secret = await sm.send(
      new CreateSecretCommand({
        Name: `elsewhere/${org.id}/stripe`,
        SecretString: JSON.stringify({ security: { authMethod: "bearer", token: "sk_adopted" } }),
        Tags: [{ Key: "connvault:organization_id", Value: org.id }],
      }),
    );
    sm.destroy();
    const arn = (secret.ARN ?? "").replace(":000000000000:", ":123456789012:");
    const adopted = await sim.api.request("POST", "/v1/connectors/stripe/connections", {
      headers: bearer(org.key),
      body: { name: "adopted", auth_aws_arn: arn },
    });
    await expectStatus(adopted, 201);
    const resolved = await sim
      .lambda("resolver")
      .invoke<{ ok: boolean; credentials?: unknown; error?: unknown }>({
        organization_id: org.id,
        user_id: org.userId,
        connection_id: json<{ id: string }>(adopted).id,
        purpose: "deploy simulation",
      });
    expect(resolved, JSON.stringify(denied().at(-1))).toMatchObject({ ok: true });
  });
});

describe.skipIf(!lambdaNode)("OAuth2 through the oauth function", () => {
  it("goes from a pending connection to an active one whose token the provider accepts", async () => {
    const publicUrl = sim.fnByBundle("oauth").environment.CONNVAULT_PUBLIC_URL ?? "";
    const callback = `${publicUrl}/oauth2/callback`;
    const provider = await startOAuthServer({ redirectUris: [callback] });
    // The test's provider is on loopback, which no function may call on AWS: the oauth function's only
    // change to its synthesized environment.
    const api = await sim.apiWithVariant("oauth", { CONNVAULT_PROXY_ALLOWED_NETWORKS: "127.0.0.0/8" });
    try {
      const connector = {
        name: "Acme (test provider)",
        description: "A real OAuth2 authorization server on loopback",
        auth_type: "oauth2",
        versions: [
          { version: "v1", servers: [{ url: provider.issuer }], security_schema: { type: "oauth2" } },
        ],
        oauth2: {
          authorization_url: provider.authorizationUrl,
          token_url: provider.tokenUrl,
          scopes: ["openid", "offline_access", "read"],
          pkce: true,
          client_id: provider.clientId,
          client_secret: provider.clientSecret,
        },
      };
      // The route's throttle allows one connector write a second; a client waits and retries.
      let put = await api.request("PUT", "/v1/connectors/acme-oauth", {
        headers: root(),
        body: connector,
      });
      for (let tries = 0; put.status === 429 && tries < 5; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        put = await api.request("PUT", "/v1/connectors/acme-oauth", { headers: root(), body: connector });
      }
      await expectStatus(put, 200);
      const org = await organization();
      const created = await api.request("POST", "/v1/connectors/acme-oauth/connections", {
        headers: bearer(org.key),
        body: { name: "Acme" },
      });
      await expectStatus(created, 201);
      const { id, connector_page_url: pageUrl } = json<{ id: string; connector_page_url: string }>(created);

      // The browser: the connector page (oauth function) → the provider → back to the callback route.
      const page = new URL(pageUrl);
      const start = await api.request("GET", page.pathname, { query: page.search.slice(1) });
      await expectStatus(start, 302);
      // It stops at the callback without requesting it; the URL class writes the host in lower case.
      const back = await followToRedirect(start.headers.location ?? "", new URL(callback).href);
      // The browser sends back the cookie the connector page set (the flow is bound to it).
      const cookie = start.cookies.map((c) => c.split(";")[0]).join("; ");
      expect(cookie).toMatch(/^connvault_oauth=/);
      const done = await api.request("GET", back.pathname, {
        query: back.search.slice(1),
        headers: { cookie },
      });
      expect(done.function).toBe(sim.fnByBundle("oauth").id);
      expect(done.body).toContain('data-outcome="success"');

      const read = await api.request("GET", `/v1/connections/${id}`, { headers: bearer(org.key) });
      expect(json(read)).toMatchObject({ status: "active" });
      const resolved = await sim.lambda("resolver").invoke<{
        ok: boolean;
        credentials?: { security?: { oauth2Token?: { access_token?: string } } };
      }>({ organization_id: org.id, user_id: org.userId, connection_id: id, purpose: "deploy simulation" });
      expect(await provider.accepts(resolved.credentials?.security?.oauth2Token?.access_token ?? "")).toBe(
        true,
      );
      expect(logs()).not.toContain(provider.clientSecret);
    } finally {
      await provider.close();
    }
  });
});

describe.skipIf(!lambdaNode)("adopting what IAM does not let the api function describe", () => {
  it("answers 422, not 500, for an untagged secret and for a missing one", async () => {
    const org = await organization();
    const sm = secretsManagerClient(sim.edge.url);
    const untagged = await sm.send(
      new CreateSecretCommand({ Name: `elsewhere/${org.id}/untagged`, SecretString: '{"token":"x"}' }),
    );
    sm.destroy();
    const deployed = (arn: string) => arn.replace(":000000000000:", ":123456789012:");
    for (const arn of [deployed(untagged.ARN ?? ""), `${deployed(untagged.ARN ?? "")}-gone`]) {
      const res = await sim.api.request("POST", "/v1/connectors/stripe/connections", {
        headers: bearer(org.key),
        body: { name: "adopted", auth_aws_arn: arn },
      });
      await expectStatus(res, 422);
    }
  });
});

describe.skipIf(!lambdaNode)("the stage's throttles", () => {
  it("answers 429 from API Gateway, without invoking the function, past a route's burst", async () => {
    const [routeKey = "", { burst, rate }] = Object.entries(sim.d.stage.routeThrottles).find(([key]) =>
      key.startsWith("GET "),
    ) ?? ["", { burst: 0, rate: 1 }];
    const path = routeKey.replace(/^GET /, "").replace(/\{[^}]+\}/g, "x");
    // Earlier scenarios may have used the route: wait until its bucket is full again.
    await new Promise((resolve) => setTimeout(resolve, (1000 * burst) / rate));
    const statuses: number[] = [];
    for (let i = 0; i <= burst; i++) statuses.push((await sim.api.request("GET", path)).status);
    expect(statuses.slice(0, burst)).not.toContain(429);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe.skipIf(!lambdaNode)("Custom::Connection through the custom resource function", () => {
  it("answers CloudFormation for Create, Update, Delete and a failing Create", async () => {
    const org = await organization();
    const endpoint = await startResponseEndpoint();
    const stack = cloudFormationStack(endpoint.url);
    const properties = (token: string) => ({
      OrganizationId: org.id,
      ConnectorId: "stripe",
      Name: "Stripe (stack)",
      Security: { authMethod: "bearer", token },
    });
    const fn = sim.lambda("custom-resource");
    const send = async (event: { RequestId: string }) => {
      await fn.invoke(event);
      const body = endpoint.bodies.find((b) => (JSON.parse(b) as CfnResponse).RequestId === event.RequestId);
      return JSON.parse(body ?? "{}") as CfnResponse;
    };
    try {
      const created = await send(stack.create(properties("sk_one")));
      expect(created, created.Reason).toMatchObject({ Status: "SUCCESS" });
      const updated = await send(
        stack.update(created.PhysicalResourceId, properties("sk_two"), properties("sk_one")),
      );
      expect(updated, updated.Reason).toMatchObject({ Status: "SUCCESS" });
      const removed = await send(stack.delete(updated.PhysicalResourceId, properties("sk_two")));
      expect(removed, removed.Reason).toMatchObject({ Status: "SUCCESS" });
      const failed = await send(stack.create({ ...properties("sk_bad"), ConnectorId: "no-such-connector" }));
      expect(failed.Status).toBe("FAILED");
      expect(failed.Reason).not.toContain("sk_bad");
    } finally {
      await endpoint.close();
    }
  });
});

describe.skipIf(!lambdaNode)("a custom resource that cannot build its configuration", () => {
  it("still answers CloudFormation FAILED with a reason, so no stack waits an hour", async () => {
    const broken = await sim.startVariant("custom-resource", { CONNVAULT_LOG_LEVEL: "LOUD" });
    const endpoint = await startResponseEndpoint();
    try {
      const create = cloudFormationStack(endpoint.url).create({
        OrganizationId: "org_x",
        ConnectorId: "stripe",
      });
      await broken.invoke(create);
      const answers = endpoint.bodies.map((b) => JSON.parse(b) as CfnResponse);
      expect(answers).toEqual([expect.objectContaining({ Status: "FAILED", RequestId: create.RequestId })]);
      expect(answers[0]?.Reason).not.toBe("");
    } finally {
      await endpoint.close();
    }
  });
});

describe.skipIf(!lambdaNode)("the schedule and the queue", () => {
  it("runs the reconciler with the schedule's input: gone and no-longer-adoptable secrets are marked", async () => {
    const fn = sim.d.functions.find((f) => f.arn === sim.d.schedule.functionArn);
    expect(fn?.bundle).toBe("dist/functions/reconciler");
    const org = await organization();
    const sm = secretsManagerClient(sim.edge.url);
    const local = (arn: string) => arn.replace(":123456789012:", ":000000000000:");
    const connect = async (body: Record<string, unknown>) => {
      const res = await sim.api.request("POST", "/v1/connectors/stripe/connections", {
        headers: bearer(org.key),
        body: { name: "reconciled", ...body },
      });
      await expectStatus(res, 201);
      return json<{ id: string; auth_aws_arn: string }>(res);
    };
    const managed = await connect({ security: { authMethod: "bearer", token: "sk_gone" } });
    const adopted = [];
    for (const name of ["deleted", "untagged"]) {
      const secret = await sm.send(
        new CreateSecretCommand({
          Name: `byo/${org.id}/${name}`,
          SecretString: "{}",
          Tags: [{ Key: "connvault:organization_id", Value: org.id }],
        }),
      );
      adopted.push({
        ...(await connect({ auth_aws_arn: secret.ARN?.replace(":000000000000:", ":123456789012:") })),
        arn: secret.ARN ?? "",
      });
    }
    for (const arn of [local(managed.auth_aws_arn), adopted[0]?.arn ?? ""])
      await sm.send(new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }));
    await sm.send(
      new UntagResourceCommand({ SecretId: adopted[1]?.arn, TagKeys: ["connvault:organization_id"] }),
    );
    sm.destroy();

    const report = await sim
      .lambda("reconciler")
      .invoke<{ recordsMarked: number; failures: unknown[] }>(sim.d.schedule.input);
    expect(report.failures).toEqual([]);
    for (const { id } of [managed, ...adopted]) {
      const res = await sim.api.request("GET", `/v1/connections/${id}`, { headers: bearer(org.key) });
      expect(json(res)).toMatchObject({ status: "credentials_missing", auth_aws_arn: null });
    }
  });

  it("provisions from SQS: a duplicate converges to one connection, a poison message does not block", async () => {
    const org = await organization();
    const create = {
      action: "create",
      idempotency_key: `dup-${randomBytes(4).toString("hex")}`,
      organization_id: org.id,
      actor_user_id: org.userId,
      connector_id: "stripe",
      body: { name: "queued", security: { authMethod: "bearer", token: "sk_queued" } },
    };
    const before = sim.provisioning.batches.length;
    await sim.provisioning.send([JSON.stringify(create), JSON.stringify(create), "{not json"]);
    await sim.provisioning.drain();
    await sim.stream.drain();

    const list = await sim.api.request("GET", "/v1/connections?limit=100", { headers: bearer(org.key) });
    expect(json<{ data: { name: string }[] }>(list).data.filter((c) => c.name === "queued")).toHaveLength(1);
    const batches = sim.provisioning.batches.slice(before);
    expect(batches.flat()).toHaveLength(3);
    for (const batch of batches)
      expect(batch.length).toBeLessThanOrEqual(sim.d.queueMappings[0]?.batchSize ?? 0);
    // The poison message is final at once: reported as an event, neither retried nor dead-lettered.
    const failed = sim.edge.events.events.filter((e) => e.detail_type === "connection.provisioning_failed");
    expect(failed.map((e) => (e.detail as { error: { code: string } }).error.code)).toContain(
      "malformed_message",
    );
    const dlq = sim.provisioning.queue.redrive?.deadLetterTargetArn ?? "";
    expect(await receiveAll(sqsClient(sim.edge.url), sim.queueUrl(dlq))).toEqual([]);
  });
});

describe.skipIf(!lambdaNode)("a message that keeps failing", () => {
  it("reaches the provisioning DLQ after the queue's maxReceiveCount deliveries", async () => {
    const org = await organization();
    const message = JSON.stringify({
      action: "create",
      idempotency_key: `retry-${randomBytes(4).toString("hex")}`,
      organization_id: org.id,
      actor_user_id: org.userId,
      connector_id: "stripe",
      body: { name: "never", security: { authMethod: "bearer", token: "sk_never" } },
    });
    const { redrive } = sim.provisioning.queue;
    expect(redrive?.maxReceiveCount).toBeGreaterThan(0);
    // Secrets Manager fails every attempt: a retryable error, so the provisioner reports the message failed.
    sim.failNext("provisioner", "secretsmanager:CreateSecret", 1_000);
    const before = sim.provisioning.batches.length;
    try {
      await sim.provisioning.send([message]);
      await sim.provisioning.drain();
    } finally {
      sim.failNext("provisioner", "secretsmanager:CreateSecret", 0);
    }
    expect(sim.provisioning.batches.length - before).toBe(redrive?.maxReceiveCount);
    const dead = await receiveAll(sqsClient(sim.edge.url), sim.queueUrl(redrive?.deadLetterTargetArn ?? ""));
    expect(dead.map((m) => m.Body)).toContain(message);
  });
});

describe.skipIf(!lambdaNode)("after every scenario", () => {
  it("IAM denied only the calls the scenarios meant it to deny", () => {
    const counts = new Map<string, number>();
    for (const call of sim.calls) {
      const decisions = call.authorizations.map((a) => `${a.action}=${a.decision}`).join(" ");
      const key = `${call.function} ${call.operation} ${decisions}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    console.table([...counts].map(([call, count]) => ({ call, count })));
    // The direct read as the api function, and what IAM hides by design: describing an untagged or
    // missing secret outside the prefix (adoption, reconciliation).
    const prefix = sim.fnByBundle("api").links.ConnvaultSettings?.secretPrefix;
    const meant = (c: AwsCall) =>
      c.accessKeyId.startsWith("direct-") ||
      (c.operation === "secretsmanager:DescribeSecret" &&
        c.authorizations.every(
          (a) =>
            !a.resource.includes(`:secret:${prefix}/`) &&
            !("secretsmanager:ResourceTag/connvault:organization_id" in a.context),
        ));
    expect(denied().filter((c) => !meant(c))).toEqual([]);
    expect(sim.calls.length).toBeGreaterThan(0);
  });
});
