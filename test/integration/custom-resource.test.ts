import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { createCustomResourceHandler } from "@connvault/functions";
import type { InitializeMiddleware } from "@smithy/types";
import type { CloudFormationCustomResourceEvent, Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lambdaContext } from "../fixtures/api-gateway-v2.ts";
import { secretsManagerClient } from "../helpers/aws.ts";
import {
  createOrganization,
  expectStatus,
  type Harness,
  json,
  startHarness,
  type TestOrganization,
} from "../helpers/harness.ts";
import { type CfnResponse, cloudFormationStack } from "../helpers/lambda-events.ts";
import { addMiddleware } from "../helpers/middleware.ts";
import { captureOutput } from "../helpers/output.ts";

interface ReceivedPut {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

let h: Harness;
let sm: SecretsManagerClient;
let responseServer: Server;
let responseBase: string;
/** Every PUT the loopback "S3" received, in order. */
const puts: ReceivedPut[] = [];
/** How many of the next PUTs answer 500. */
let failNextPuts = 0;
let output: ReturnType<typeof captureOutput>;
let handler: (event: CloudFormationCustomResourceEvent, context: Context) => Promise<void>;

beforeAll(async () => {
  h = await startHarness({ env: { CONNVAULT_LOG_LEVEL: "DEBUG" } });
  sm = secretsManagerClient(h.edge.url);
  handler = createCustomResourceHandler(h.services, { responseRetryDelaysMs: [20, 20, 20] });
  responseServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const answered = failNextPuts > 0 ? 500 : 200;
      if (failNextPuts > 0) failNextPuts -= 1;
      puts.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        answered,
      });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => responseServer.listen(0, "127.0.0.1", resolve));
  responseBase = `http://127.0.0.1:${(responseServer.address() as AddressInfo).port}`;
  output = captureOutput();
});

afterAll(async () => {
  output?.restore();
  responseServer.closeAllConnections();
  await new Promise((resolve) => responseServer.close(resolve));
  await h.close();
});

/** Requests for one `Custom::Connection` of a new stack, answering to the loopback ResponseURL. */
const stack = (logicalResourceId?: string) => cloudFormationStack(responseBase, logicalResourceId);

const context = (remainingMs = 290_000): Context => ({
  ...lambdaContext,
  functionName: "connvault-ci-CustomResourceFunction",
  awsRequestId: randomUUID(),
  logStreamName: "2026/11/21/[$LATEST]0c3b5e3b8f0a4c1b9b1d0c9d3a6f4e21",
  getRemainingTimeInMillis: () => remainingMs,
});

const putsFor = (requestId: string) =>
  puts.filter((put) => (JSON.parse(put.body) as CfnResponse).RequestId === requestId);

/** Invokes the handler as Lambda would and returns what it PUT to the ResponseURL. */
async function invoke(event: CloudFormationCustomResourceEvent, ctx = context()): Promise<CfnResponse> {
  await handler(event, ctx);
  const delivered = putsFor(event.RequestId).filter((put) => put.answered === 200);
  expect(delivered, `one delivered response for ${event.RequestType}`).toHaveLength(1);
  return JSON.parse(delivered[0]?.body ?? "{}") as CfnResponse;
}

/** Properties as CloudFormation sends them: every scalar a string. */
const stripeProperties = (org: TestOrganization, token = "sk_live_first") => ({
  OrganizationId: org.id,
  ConnectorId: "stripe",
  Name: "Stripe (prod)",
  Security: { authMethod: "bearer", token },
  Headers: { "X-Tenant": "acme" },
  GeneralParams: [{ name: "Stripe-Version", value: "2024-06-20", in: "header" }],
  TargetSystemServers: [{ url: "https://api.stripe.com", description: "live" }],
  AccessScope: "organizational",
  IsServiceAccount: "true",
  Environment: "production",
  ExternalXref: "stack-resource-1",
});

async function getConnection(org: TestOrganization, id: string) {
  return h.request("GET", `/v1/connections/${id}`, { key: org.adminKey });
}

async function listConnections(org: TestOrganization) {
  const res = await h.request("GET", "/v1/connections?limit=100", { key: org.adminKey });
  return (await json<{ data: { id: string }[] }>(res)).data;
}

async function secretValue(arn: string, stage = "AWSCURRENT") {
  const value = await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }));
  return JSON.parse(value.SecretString ?? "{}") as {
    security?: Record<string, unknown>;
    headers?: Record<string, string>;
  };
}

/** Runs the SDK call through `delay` or `fail` for one Secrets Manager command, until removed. */
function onSecretsCommand(command: string, act: (input: Record<string, unknown>) => Promise<void>) {
  const name = `custom-resource-test-${randomUUID()}`;
  const middleware: InitializeMiddleware<object, object> = (next, ctx) => async (args) => {
    if (ctx.commandName === command) await act(args.input as Record<string, unknown>);
    return next(args);
  };
  return addMiddleware(h.services.clients.secrets, name, middleware as never);
}

describe("Custom::Connection over its whole lifecycle", () => {
  it("creates, updates in place, replaces on a new ConnectorId, and deletes", async () => {
    const org = await createOrganization(h);
    const cfn = stack();
    const v1 = stripeProperties(org);

    // Create
    const createEvent = cfn.create(v1);
    const created = await invoke(createEvent);
    expect(created, created.Reason).toMatchObject({
      Status: "SUCCESS",
      StackId: createEvent.StackId,
      RequestId: createEvent.RequestId,
      LogicalResourceId: "StripeConnection",
      NoEcho: true,
    });
    const id = created.PhysicalResourceId;
    expect(id).toMatch(/^conn_[0-9A-Z]{26}$/);
    const record = await getConnection(org, id);
    await expectStatus(record, 200);
    const connection = await json(record);
    expect(created.Data).toEqual({ ConnectionId: id, AuthAwsArn: connection.auth_aws_arn });
    expect(connection).toMatchObject({
      connector_id: "stripe",
      name: "Stripe (prod)",
      owner: "cloudformation",
      access_scope: "organizational",
      is_service_account: true,
      environment: "production",
      external_xref: "stack-resource-1",
      header_names: ["X-Tenant"],
      general_params: [{ name: "Stripe-Version", value: "2024-06-20", in: "header" }],
      target_system_servers: [{ url: "https://api.stripe.com", description: "live" }],
      status: "active",
    });
    const arn = created.Data.AuthAwsArn ?? "";
    expect((await secretValue(arn)).security).toEqual({ authMethod: "bearer", token: "sk_live_first" });

    // Update in place: rename and rotate
    const v2 = {
      ...v1,
      Name: "Stripe (renamed)",
      Security: { authMethod: "bearer", token: "sk_live_second" },
    };
    const updated = await invoke(cfn.update(id, v2, v1));
    expect(updated, updated.Reason).toMatchObject({
      Status: "SUCCESS",
      PhysicalResourceId: id,
      Data: { ConnectionId: id, AuthAwsArn: arn },
    });
    const renamed = await json(await getConnection(org, id));
    expect(renamed.name).toBe("Stripe (renamed)");
    expect(renamed.credentials).toMatchObject({ version: 2, auth_method: "bearer" });
    expect((await secretValue(arn)).security).toEqual({ authMethod: "bearer", token: "sk_live_second" });
    expect((await secretValue(arn, "AWSPREVIOUS")).security).toMatchObject({ token: "sk_live_first" });

    // Update with a new ConnectorId: a replacement; CloudFormation then deletes the old physical id
    const v3 = { ...v2, ConnectorId: "openai", Name: "OpenAI" };
    const replaced = await invoke(cfn.update(id, v3, v2));
    expect(replaced.Status, replaced.Reason).toBe("SUCCESS");
    const newId = replaced.PhysicalResourceId;
    expect(newId).toMatch(/^conn_/);
    expect(newId).not.toBe(id);
    expect(await json(await getConnection(org, newId))).toMatchObject({
      connector_id: "openai",
      name: "OpenAI",
    });
    const cleanup = await invoke(cfn.delete(id, v2));
    expect(cleanup).toMatchObject({ Status: "SUCCESS", PhysicalResourceId: id });
    await expectStatus(getConnection(org, id), 404);
    expect((await sm.send(new DescribeSecretCommand({ SecretId: arn }))).DeletedDate).toBeInstanceOf(Date);

    // Delete (stack deletion)
    const newArn = replaced.Data.AuthAwsArn ?? "";
    const deleted = await invoke(cfn.delete(newId, v3));
    expect(deleted).toMatchObject({ Status: "SUCCESS", PhysicalResourceId: newId, NoEcho: true });
    await expectStatus(getConnection(org, newId), 404);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: newArn }));
    expect(described.DeletedDate).toBeInstanceOf(Date);
    expect(await listConnections(org)).toEqual([]);

    // A Delete CloudFormation repeats finds the connection gone: still SUCCESS
    const again = await invoke(cfn.delete(newId, v3));
    expect(again).toMatchObject({ Status: "SUCCESS", PhysicalResourceId: newId });
  });

  it("converges on one connection when CloudFormation repeats a Create with the same RequestId", async () => {
    const org = await createOrganization(h);
    const cfn = stack();
    const event = cfn.create(stripeProperties(org));
    const first = await invoke(event);
    await handler(event, context());
    const answers = putsFor(event.RequestId).map((put) => JSON.parse(put.body) as CfnResponse);
    expect(answers).toHaveLength(2);
    expect(answers[1]).toMatchObject({ Status: "SUCCESS", PhysicalResourceId: first.PhysicalResourceId });
    expect(answers[1]?.Data).toEqual(first.Data);
    expect((await listConnections(org)).map((c) => c.id)).toEqual([first.PhysicalResourceId]);
    const secrets = await sm.send(
      new ListSecretsCommand({
        Filters: [{ Key: "name", Values: [`connvault/local/connections/${org.id}/`] }],
      }),
    );
    expect(secrets.SecretList).toHaveLength(1);
  });

  it("leaves an update of unchanged credentials alone, keeping a rotation made through the API", async () => {
    const org = await createOrganization(h);
    const cfn = stack();
    const v1 = stripeProperties(org);
    const { PhysicalResourceId: id, Data } = await invoke(cfn.create(v1));
    const rotated = await h.request("PUT", `/v1/connections/${id}/credentials`, {
      key: org.adminKey,
      body: { security: { authMethod: "bearer", token: "sk_live_from_api" } },
    });
    await expectStatus(rotated, 200);

    const renamed = await invoke(cfn.update(id, { ...v1, Environment: "staging" }, v1));

    expect(renamed.Status, renamed.Reason).toBe("SUCCESS");
    expect(await json(await getConnection(org, id))).toMatchObject({
      environment: "staging",
      credentials: { version: 2 },
    });
    expect((await secretValue(Data.AuthAwsArn ?? "")).security).toMatchObject({ token: "sk_live_from_api" });
  });
});

describe("answers FAILED with a reason that names the problem", () => {
  const cases: [string, (org: TestOrganization) => Record<string, unknown>, string[]][] = [
    [
      "an unknown connector",
      (org) => ({ ...stripeProperties(org), ConnectorId: "nope" }),
      ["ConnectorId: No connector with id nope", "connector_not_found"],
    ],
    [
      "a service account that is personal",
      (org) => ({ ...stripeProperties(org), IsServiceAccount: "true", AccessScope: "personal" }),
      ["IsServiceAccount: A service account connection must have access_scope organizational"],
    ],
    [
      "malformed Security",
      (org) => ({ ...stripeProperties(org), Security: { authMethod: "bearer", tokn: "sk_live_x" } }),
      ["Security.token", "Security: unknown field in security"],
    ],
    [
      "Security that does not fit the connector",
      (org) => ({
        ...stripeProperties(org),
        Security: { authMethod: "basic", username: "u", password: "p4ss" },
      }),
      ["Security.authMethod", "auth_type bearer"],
    ],
    [
      "a boolean that is not true or false",
      (org) => ({ ...stripeProperties(org), IsServiceAccount: "yes" }),
      ["IsServiceAccount: "],
    ],
    [
      "an unknown property and a missing OrganizationId",
      (org) => {
        const { OrganizationId: _org, ...rest } = stripeProperties(org);
        return { ...rest, Metadata: { team: "billing" } };
      },
      ["Metadata: Unknown property", "OrganizationId: Required"],
    ],
    [
      "a secretsmanager dynamic reference CloudFormation passed through unresolved",
      (org) => ({
        ...stripeProperties(org),
        Security: {
          authMethod: "bearer",
          token: "{{resolve:secretsmanager:stripe/live:SecretString:token}}",
        },
      }),
      ["Security.token: CloudFormation does not resolve {{resolve:…}} references"],
    ],
  ];

  it.each(cases)("for %s, and creates nothing", async (_title, properties, expected) => {
    const org = await createOrganization(h);
    const event = stack().create(properties(org));

    const response = await invoke(event);

    expect(response).toMatchObject({
      Status: "FAILED",
      PhysicalResourceId: `failed-${event.RequestId}`,
      NoEcho: true,
      Data: {},
    });
    for (const text of expected) expect(response.Reason).toContain(text);
    expect(await listConnections(org)).toEqual([]);
  });

  it("answers SUCCESS to the Delete of a failed Create's placeholder", async () => {
    const org = await createOrganization(h);
    const cfn = stack();
    const properties = { ...stripeProperties(org), ConnectorId: "nope" };
    const failed = await invoke(cfn.create(properties));
    expect(failed.Status).toBe("FAILED");

    const rollback = await invoke(cfn.delete(failed.PhysicalResourceId, properties));

    expect(rollback).toMatchObject({ Status: "SUCCESS", PhysicalResourceId: failed.PhysicalResourceId });
  });

  it("answers an unexpected failure with a generic reason and the Lambda request id, and logs it", async () => {
    const org = await createOrganization(h);
    const remove = onSecretsCommand("CreateSecretCommand", async () => {
      throw Object.assign(new Error("User is not authorized to perform: secretsmanager:CreateSecret"), {
        name: "AccessDeniedException",
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
      });
    });
    const ctx = context();
    try {
      const response = await invoke(stack().create(stripeProperties(org)), ctx);

      expect(response.Status).toBe("FAILED");
      expect(response.Reason).toBe(
        `Internal error; see the custom-resource function's logs for Lambda request ${ctx.awsRequestId}`,
      );
      const errorLine = output.written.find((line) => line.includes("custom resource request failed"));
      expect(errorLine).toContain("AccessDeniedException");
      expect(errorLine).toContain(ctx.awsRequestId);
    } finally {
      remove();
    }
  });
});

describe("delivering the response", () => {
  it("PUTs JSON with an empty content-type, and retries a ResponseURL that answers 500", async () => {
    const org = await createOrganization(h);
    const event = stack().create(stripeProperties(org));
    failNextPuts = 1;

    const response = await invoke(event);

    const attempts = putsFor(event.RequestId);
    expect(attempts.map((put) => put.answered)).toEqual([500, 200]);
    expect(attempts[1]?.body).toBe(attempts[0]?.body);
    const [put] = attempts;
    expect(put?.method).toBe("PUT");
    expect(put?.url).toBe(event.ResponseURL.slice(responseBase.length));
    expect(put?.headers["content-type"]).toBe("");
    expect(put?.headers["content-length"]).toBe(String(Buffer.byteLength(put?.body ?? "")));
    expect(Object.keys(response)).toEqual([
      "Status",
      "Reason",
      "PhysicalResourceId",
      "StackId",
      "RequestId",
      "LogicalResourceId",
      "NoEcho",
      "Data",
    ]);
    expect(response.Status, response.Reason).toBe("SUCCESS");
  });

  it("answers FAILED before the Lambda times out, and the Delete of its placeholder removes what the Create made later", async () => {
    const org = await createOrganization(h);
    const cfn = stack();
    const properties = stripeProperties(org);
    const remove = onSecretsCommand(
      "CreateSecretCommand",
      () => new Promise((done) => setTimeout(done, 600)),
    );
    const event = cfn.create(properties);
    const ctx = context(5_100); // the guard answers 5 s before the limit: after ~100 ms
    let response: CfnResponse;
    const started = Date.now();
    try {
      response = await invoke(event, ctx);
    } finally {
      remove();
    }

    expect(Date.now() - started).toBeLessThan(600);
    expect(response).toMatchObject({ Status: "FAILED", PhysicalResourceId: `failed-${event.RequestId}` });
    expect(response.Reason).toContain("Timed out");
    expect(response.Reason).toContain(ctx.awsRequestId);

    // The slow Create still finishes in the background; it must not answer a second time.
    await expect.poll(() => listConnections(org).then((list) => list.length), { timeout: 5_000 }).toBe(1);
    expect(putsFor(event.RequestId)).toHaveLength(1);

    const rollback = await invoke(cfn.delete(response.PhysicalResourceId, properties));
    expect(rollback).toMatchObject({ Status: "SUCCESS", PhysicalResourceId: response.PhysicalResourceId });
    expect(await listConnections(org)).toEqual([]);
    const secrets = await sm.send(
      new ListSecretsCommand({
        IncludePlannedDeletion: true,
        Filters: [{ Key: "name", Values: [`connvault/local/connections/${org.id}/`] }],
      }),
    );
    expect(secrets.SecretList?.map((secret) => secret.DeletedDate instanceof Date)).toEqual([true]);
  });
});

describe("a custom resource function that cannot start", () => {
  /** Lambda's init and one invocation, in a fresh Node process with only `env` (no SST links). */
  function invokeFresh(event: CloudFormationCustomResourceEvent, env: Record<string, string>) {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "test/helpers/lambda-init.ts",
        "packages/functions/src/custom-resource/handler.ts",
        JSON.stringify(event),
      ],
      {
        env: {
          PATH: process.env.PATH ?? "",
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
          ...env,
        },
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.stdout.resume();
    return new Promise<{ code: number | null; stderr: string }>((done) =>
      child.on("close", (code) => done({ code, stderr })),
    );
  }

  it("answers FAILED with the configuration problem, never a value, instead of crashing at init", async () => {
    const org = await createOrganization(h);
    const cfn = stack();
    const rootKey = "cvk_tooShortToBeARootKey";
    const create = cfn.create(stripeProperties(org, "sk_live_never_echoed"));
    const remove = cfn.delete("conn_01J00000000000000000000000", stripeProperties(org));

    const runs = [];
    for (const event of [create, remove])
      runs.push(await invokeFresh(event, { CONNVAULT_ROOT_API_KEY: rootKey }));

    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const [created, deleted] = [create, remove].map((event) => {
      const answers = putsFor(event.RequestId);
      expect(answers, event.RequestType).toHaveLength(1);
      return JSON.parse(answers[0]?.body ?? "{}") as CfnResponse;
    });
    expect(created).toMatchObject({
      Status: "FAILED",
      PhysicalResourceId: `failed-${create.RequestId}`,
      RequestId: create.RequestId,
      StackId: create.StackId,
      LogicalResourceId: create.LogicalResourceId,
    });
    expect(created?.Reason).toMatch(
      /^connvault custom resource could not start: Invalid configuration: .*CONNVAULT_ROOT_API_KEY/,
    );
    expect(deleted).toMatchObject({
      Status: "FAILED",
      PhysicalResourceId: "conn_01J00000000000000000000000",
    });
    const bodies = [create, remove].flatMap((event) => putsFor(event.RequestId).map((put) => put.body));
    for (const value of [rootKey, "sk_live_never_echoed"]) expect(bodies.join("\n")).not.toContain(value);
  });
});

describe("write-only credentials", () => {
  it("never echo a canary credential in a response or a log line, only in the secret", async () => {
    const canary = `canary${randomBytes(12).toString("hex")}`;
    const rotatedCanary = `canary${randomBytes(12).toString("hex")}`;
    const org = await createOrganization(h);
    const cfn = stack("CanaryConnection");
    const start = { puts: puts.length, logged: output.written.length };
    const v1 = {
      ...stripeProperties(org, canary),
      Headers: { "X-Tenant-Secret": canary },
    };

    // Act: happy paths and failures that all carry the canary.
    const created = await invoke(cfn.create(v1));
    expect(created.Status, created.Reason).toBe("SUCCESS");
    const arn = created.Data.AuthAwsArn ?? "";
    const v2 = { ...v1, Name: "Rotated", Security: { authMethod: "bearer", token: rotatedCanary } };
    expect((await invoke(cfn.update(created.PhysicalResourceId, v2, v1))).Status).toBe("SUCCESS");
    const failures = [
      { ...v1, Security: { authMethod: "basic", username: canary, password: canary } },
      { ...v1, Security: { authMethod: "bearer", token: canary, [canary.slice(0, 8)]: canary } },
      { ...v1, ConnectorId: "nope" },
      { ...v1, Headers: { "X-Bad Header": canary }, IsServiceAccount: canary },
    ];
    for (const properties of failures) expect((await invoke(cfn.create(properties))).Status).toBe("FAILED");
    // An unexpected error whose message quotes the request (as some SDK errors do).
    const remove = onSecretsCommand("CreateSecretCommand", async (input) => {
      throw Object.assign(new Error(`Malformed request: ${String(input.SecretString)}`), {
        name: "InternalFailure",
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
      });
    });
    try {
      expect((await invoke(cfn.create(v1))).Status).toBe("FAILED");
    } finally {
      remove();
    }
    const current = await secretValue(arn);
    const previous = await secretValue(arn, "AWSPREVIOUS");
    expect((await invoke(cfn.delete(created.PhysicalResourceId, v2))).Status).toBe("SUCCESS");

    // Assess
    const bodies = puts.slice(start.puts).map((put) => put.body);
    expect(bodies.length).toBeGreaterThanOrEqual(8);
    const logs = output.written.slice(start.logged).join("");
    expect(logs).toContain(created.PhysicalResourceId); // the logger did run
    expect(logs).toContain("Malformed request");
    expect(logs).toContain("[REDACTED]");
    for (const value of [canary, rotatedCanary]) {
      expect(bodies.join("\n")).not.toContain(value);
      expect(logs).not.toContain(value);
    }
    expect(current).toEqual({
      security: { authMethod: "bearer", token: rotatedCanary },
      headers: { "X-Tenant-Secret": canary },
    });
    expect(previous.security).toEqual({ authMethod: "bearer", token: canary });
  });
});
