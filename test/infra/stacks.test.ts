import { beforeAll, describe, expect, it } from "vitest";
import { deriveKey } from "../../packages/functions/src/keys.ts";
import { SECRET_WRITE_BUDGET, SECRET_WRITE_ROUTES } from "../../stacks/secret-writes.ts";
import { deployment } from "../deploy/deployment.ts";
import { type Authorization, evaluate } from "../deploy/iam-proxy.ts";
import { type SynthResult, synth } from "./synth.ts";

// The real sst.config.ts and stacks/, run under Pulumi mocks: what `sst deploy` would create.

const secrets = { RootApiKey: `cvk_${"x".repeat(43)}` };
let ci: SynthResult;
let production: SynthResult;

beforeAll(async () => {
  ci = await synth({ stage: "ci", secrets });
  production = await synth({ stage: "production", secrets });
}, 120_000);

const CONNECTIONS = "arn:aws:secretsmanager:us-east-1:123456789012:secret:connvault/ci/connections/*";
const CONNECTORS = "arn:aws:secretsmanager:us-east-1:123456789012:secret:connvault/ci/connectors/*";

type Statement = {
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[]>>;
};

const only = (result: SynthResult, type: string, name?: string) => {
  const found = result.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
  expect(found, `${type} ${name ?? ""}`).toHaveLength(1);
  return found[0]?.inputs ?? {};
};

const roles = (result: SynthResult) => result.resources.filter((r) => r.type === "aws:iam/role:Role");

/** Pulumi passes secret-tainted inputs to the mocks wrapped as `{<signature>: <secret>, value}`. */
const unsecret = (value: unknown): unknown =>
  value && typeof value === "object" && "4dabf18193072939515e22adb298388d" in value && "value" in value
    ? value.value
    : value;

const statementsOf = (role: Record<string, unknown>): Statement[] =>
  (unsecret(role.inlinePolicies) as { policy: string }[]).flatMap(
    (p) => JSON.parse(p.policy).Statement as Statement[],
  );

const allowed = (statements: Statement[]) =>
  statements
    .filter((s) => s.Effect === "Allow")
    .flatMap((s) => s.Action.map((action) => ({ action, statement: s })));

describe("the api function's role", () => {
  const apiStatements = () => statementsOf(only(ci, "aws:iam/role:Role", "ApiRole"));

  it("grants exactly the DynamoDB, Secrets Manager and KMS actions the code needs", () => {
    const granted = [...new Set(allowed(apiStatements()).map((a) => a.action))].sort();
    expect(granted).toEqual(
      [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "secretsmanager:CreateSecret",
        "secretsmanager:DeleteSecret",
        "secretsmanager:DescribeSecret",
        "secretsmanager:PutSecretValue",
        "secretsmanager:TagResource",
      ].sort(),
    );
  });

  it("can never read a secret: no GetSecretValue allowed anywhere, and an explicit Deny", () => {
    const statements = apiStatements();
    const reads = allowed(statements).filter(({ action }) =>
      /^secretsmanager:(BatchGet|Get)SecretValue$|^secretsmanager:\*$|^\*$/.test(action),
    );
    expect(reads).toEqual([]);
    const deny = statements.find((s) => s.Effect === "Deny");
    expect(deny).toMatchObject({
      Action: expect.arrayContaining(["secretsmanager:GetSecretValue"]),
      Resource: ["*"],
    });
  });

  it("writes secrets only under <app>/<stage>/connections/ and /connectors/", () => {
    const writes = allowed(apiStatements()).filter(
      ({ action }) => /Create|Put|Delete|Tag/.test(action) && action.startsWith("secretsmanager:"),
    );
    expect(writes.length).toBeGreaterThan(0);
    for (const { statement } of writes) expect(statement.Resource).toEqual([CONNECTIONS, CONNECTORS]);
  });

  it("describes secrets elsewhere only when tagged for an organization (adoption)", () => {
    const wide = apiStatements().find((s) => s.Effect === "Allow" && s.Resource.includes("*"));
    expect(wide).toEqual({
      Effect: "Allow",
      Action: ["secretsmanager:DescribeSecret"],
      Resource: ["*"],
      Condition: { Null: { "secretsmanager:ResourceTag/connvault:organization_id": ["false"] } },
    });
  });

  it("uses the KMS key only through Secrets Manager, for those prefixes", () => {
    const kms = apiStatements().filter((s) => s.Action.some((a) => a.startsWith("kms:")));
    expect(kms).toHaveLength(1);
    const key = only(ci, "aws:kms/key:Key", "CredentialsKey");
    expect(kms[0]).toMatchObject({
      Effect: "Allow",
      Resource: [expect.stringContaining("CredentialsKey")],
      Condition: {
        StringEquals: { "kms:ViaService": ["secretsmanager.us-east-1.amazonaws.com"] },
        StringLike: {
          "kms:EncryptionContext:SecretARN": [CONNECTIONS, CONNECTORS],
        },
      },
    });
    expect(key).toBeDefined();
  });

  it("touches only the table and its indexes", () => {
    const dynamo = allowed(apiStatements()).filter(({ action }) => action.startsWith("dynamodb:"));
    for (const { statement } of dynamo) {
      expect(statement.Resource).toHaveLength(2);
      expect(statement.Resource[0]).toMatch(/^arn:aws:dynamodb:.*Table/);
      expect(statement.Resource[1]).toBe(`${statement.Resource[0]}/index/*`);
    }
  });
});

describe("secret reads", () => {
  const readers = (result: SynthResult) =>
    Object.fromEntries(
      roles(result).map((role) => [
        role.name,
        allowed(statementsOf(role.inputs))
          .filter(({ action }) => /GetSecretValue|^secretsmanager:\*$|^\*$/.test(action))
          .flatMap(({ statement }) => statement.Resource)
          .sort(),
      ]),
    );

  it("are allowed only to the resolver and the proxy (connections, and connector client secrets to refresh) and oauth (connectors)", () => {
    const all = readers(ci);
    expect(Object.keys(all)).toHaveLength(10);
    expect(Object.fromEntries(Object.entries(all).filter(([, resources]) => resources.length > 0))).toEqual({
      OAuthRole: [CONNECTORS],
      // "*" only with the tag condition (see "adopted secrets").
      ResolverRole: ["*", CONNECTIONS, CONNECTORS].sort(),
      // It injects the connection's credentials into the outbound call (see "the proxy").
      ProxyRole: ["*", CONNECTIONS, CONNECTORS].sort(),
    });
  });

  it("of connection credentials are explicitly denied to the api, connect and oauth roles", () => {
    const denied = (name: string) =>
      statementsOf(only(ci, "aws:iam/role:Role", name)).find(
        (s) => s.Effect === "Deny" && s.Action.includes("secretsmanager:GetSecretValue"),
      );
    expect(denied("ApiRole")?.Resource).toEqual(["*"]);
    expect(denied("ConnectRole")?.Resource).toEqual(["*"]);
    expect(denied("OAuthRole")?.Resource).toEqual([CONNECTIONS]);
  });
});

describe("adopted secrets", () => {
  const TAGGED = { Null: { "secretsmanager:ResourceTag/connvault:organization_id": ["false"] } };
  const wide = (role: string) =>
    statementsOf(only(ci, "aws:iam/role:Role", role)).filter((s) => s.Resource.includes("*"));

  it("may be read and described by the resolver outside the prefix only when tagged for an organization", () => {
    expect(wide("ResolverRole")).toEqual([
      {
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource: ["*"],
        Condition: TAGGED,
      },
    ]);
  });

  it("leave the resolver's KMS grant on connvault's key, through Secrets Manager, for the prefix only", () => {
    const kms = statementsOf(only(ci, "aws:iam/role:Role", "ResolverRole")).filter((s) =>
      s.Action.some((a) => a.startsWith("kms:")),
    );
    expect(kms).toEqual([
      expect.objectContaining({
        Resource: [expect.stringContaining("CredentialsKey")],
        Condition: expect.objectContaining({
          StringLike: { "kms:EncryptionContext:SecretARN": [CONNECTIONS, CONNECTORS] },
        }),
      }),
    ]);
  });
});

describe("the resolver", () => {
  it("is reachable only by IAM: no route, no function URL, no API Gateway permission", () => {
    const integrations = ci.resources.filter((r) => r.type === "aws:apigatewayv2/integration:Integration");
    expect(integrations.some((r) => JSON.stringify(r.inputs).includes("Resolver"))).toBe(false);
    expect(ci.resources.some((r) => r.type === "aws:lambda/functionUrl:FunctionUrl")).toBe(false);
    const permissions = ci.resources.filter((r) => r.type === "aws:lambda/permission:Permission");
    expect(permissions.some((r) => JSON.stringify(r.inputs.function).includes("Resolver"))).toBe(false);
    expect(ci.outputs.resolver).toEqual(expect.stringContaining("Resolver"));
  });
});

describe("the proxy", () => {
  const proxyFunction = () => only(ci, "aws:lambda/function:Function", "ProxyFunction");

  it("has the resolver's rights, no more: read as the resolver reads, refresh as it refreshes", () => {
    const proxy = statementsOf(only(ci, "aws:iam/role:Role", "ProxyRole"));
    expect(proxy).toEqual(statementsOf(only(ci, "aws:iam/role:Role", "ResolverRole")));
    const secretActions = new Set(
      allowed(proxy)
        .map(({ action }) => action)
        .filter((action) => action.startsWith("secretsmanager:")),
    );
    expect([...secretActions].sort()).toEqual([
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetSecretValue",
      "secretsmanager:PutSecretValue",
    ]);
  });

  it("serves its three routes on the same HTTP API, and API Gateway alone may invoke it", () => {
    const fn = proxyFunction();
    const arn = `arn:aws:lambda:us-east-1:123456789012:function:${fn.name}`;
    const integrations = new Map(
      ci.resources
        .filter((r) => r.type === "aws:apigatewayv2/integration:Integration")
        .map((r) => [`integrations/${r.id}`, r.inputs]),
    );
    const routes = ci.resources
      .filter((r) => r.type === "aws:apigatewayv2/route:Route")
      .map((r) => ({
        key: r.inputs.routeKey,
        api: r.inputs.apiId,
        integration: integrations.get(r.inputs.target),
      }));
    only(ci, "aws:apigatewayv2/api:Api");
    const apiId = ci.resources.find((r) => r.type === "aws:apigatewayv2/api:Api")?.id;
    expect(routes.find((r) => r.key === "$default")?.api).toBe(apiId);
    expect(
      routes
        .filter((r) => unsecret(r.integration?.integrationUri) === arn)
        .map((r) => ({ key: r.key, api: r.api, payload: r.integration?.payloadFormatVersion }))
        .sort((a, b) => a.key.localeCompare(b.key)),
    ).toEqual(
      [
        "ANY /passthrough/{connection_id}/{proxy+}",
        "ANY /v1/connections/{id}/proxy",
        "ANY /v1/connections/{id}/proxy/{proxy+}",
      ].map((key) => ({ key, api: apiId, payload: "2.0" })),
    );
    const invokers = ci.resources
      .filter((r) => r.type === "aws:lambda/permission:Permission" && unsecret(r.inputs.function) === arn)
      .map((r) => r.inputs);
    expect(invokers).toHaveLength(3);
    for (const invoker of invokers)
      expect(invoker).toMatchObject({
        action: "lambda:InvokeFunction",
        principal: "apigateway.amazonaws.com",
        sourceArn: `arn:aws:execute-api:us-east-1:123456789012:${apiId}/*`,
      });
  });

  it("runs from its bundle within API Gateway's 30 s, and may reach no private network on AWS", () => {
    const fn = proxyFunction();
    expect(fn).toMatchObject({
      architectures: ["arm64"],
      runtime: "nodejs24.x",
      handler: "index.handler",
      timeout: 29,
    });
    expect(ci.builds.find((b) => b.functionID === "Proxy")?.bundle).toBe("dist/functions/proxy");
    // Only what SST sets: no allowed networks, no root key, and the default 25 s upstream budget.
    expect(Object.keys(fn.environment.variables).sort()).toEqual([
      "SST_KEY",
      "SST_KEY_FILE",
      "SST_RESOURCE_App",
    ]);
  });
});

describe("the connect function", () => {
  const connectStatements = () => statementsOf(only(ci, "aws:iam/role:Role", "ConnectRole"));
  const connectFunction = () => only(ci, "aws:lambda/function:Function", "ConnectFunction");

  it("grants exactly the DynamoDB, Secrets Manager and KMS actions the page needs", () => {
    const granted = [...new Set(allowed(connectStatements()).map((a) => a.action))].sort();
    expect(granted).toEqual(
      [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "secretsmanager:CreateSecret",
        "secretsmanager:DeleteSecret",
        "secretsmanager:DescribeSecret",
        "secretsmanager:PutSecretValue",
        "secretsmanager:TagResource",
      ].sort(),
    );
  });

  it("writes connection secrets only, uses the key only through Secrets Manager for them, and may read none", () => {
    const statements = connectStatements();
    for (const { action, statement } of allowed(statements)) {
      if (action.startsWith("secretsmanager:")) expect(statement.Resource, action).toEqual([CONNECTIONS]);
      if (action.startsWith("dynamodb:")) expect(statement.Resource[0]).toMatch(/^arn:aws:dynamodb:.*Table/);
    }
    expect(statements.filter((s) => s.Action.some((a) => a.startsWith("kms:")))).toEqual([
      {
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: [expect.stringContaining("CredentialsKey")],
        Condition: {
          StringEquals: { "kms:ViaService": ["secretsmanager.us-east-1.amazonaws.com"] },
          StringLike: { "kms:EncryptionContext:SecretARN": [CONNECTIONS] },
        },
      },
    ]);
    expect(statements.filter((s) => s.Effect === "Deny")).toEqual([
      {
        Effect: "Deny",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"],
        Resource: ["*"],
      },
    ]);
  });

  it("is decided by an independent IAM evaluator: writes to connection secrets allowed, every read denied", async () => {
    // The synthesized role, evaluated by @cloud-copilot/iam-simulate as the deployment simulation evaluates it.
    const d = deployment(ci);
    const fn = d.functions.find((f) => f.id === "Connect");
    if (!fn) throw new Error("no Connect function in the synth");
    const secret = (name: string) =>
      `arn:aws:secretsmanager:us-east-1:123456789012:secret:connvault/ci/${name}-AbCdEf`;
    const connection = secret("connections/org_1/conn_1");
    const adopted = "arn:aws:secretsmanager:us-east-1:123456789012:secret:elsewhere/org_1/stripe-AbCdEf";
    const tagged = { "secretsmanager:ResourceTag/connvault:organization_id": "org_1" };
    const kms = (
      action: string,
      secretArn: string,
      viaService = "secretsmanager.us-east-1.amazonaws.com",
    ) => ({
      action,
      resource: d.kmsKey.arn,
      context: { "kms:ViaService": viaService, "kms:EncryptionContext:SecretARN": secretArn },
      resourcePolicy: d.kmsKey.policy,
    });
    const cases: [Authorization, string][] = [
      ...["CreateSecret", "PutSecretValue", "TagResource", "DescribeSecret", "DeleteSecret"].map(
        (op): [Authorization, string] => [
          { action: `secretsmanager:${op}`, resource: connection, context: {} },
          "Allowed",
        ],
      ),
      [kms("kms:GenerateDataKey", connection), "Allowed"],
      [kms("kms:Decrypt", connection), "Allowed"],
      ...[connection, secret("connectors/acme"), adopted].map((resource): [Authorization, string] => [
        { action: "secretsmanager:GetSecretValue", resource, context: tagged },
        "ExplicitlyDenied",
      ]),
      // BatchGetSecretValue names no resource: IAM authorizes it on "*".
      [{ action: "secretsmanager:BatchGetSecretValue", resource: "*", context: {} }, "ExplicitlyDenied"],
      [
        { action: "secretsmanager:CreateSecret", resource: secret("connectors/acme"), context: {} },
        "ImplicitlyDenied",
      ],
      [
        { action: "secretsmanager:PutSecretValue", resource: secret("connectors/acme"), context: {} },
        "ImplicitlyDenied",
      ],
      [{ action: "secretsmanager:DescribeSecret", resource: adopted, context: tagged }, "ImplicitlyDenied"],
      [{ action: "secretsmanager:ListSecrets", resource: "*", context: {} }, "ImplicitlyDenied"],
      [kms("kms:Decrypt", secret("connectors/acme")), "ImplicitlyDenied"],
      [kms("kms:Decrypt", connection, "kms.us-east-1.amazonaws.com"), "ImplicitlyDenied"],
    ];
    const decisions = await Promise.all(
      cases.map(
        async ([auth]) => `${auth.action} ${auth.resource} ${await evaluate(fn, "123456789012", auth)}`,
      ),
    );
    expect(decisions).toEqual(cases.map(([auth, decision]) => `${auth.action} ${auth.resource} ${decision}`));
  });

  it("serves GET and POST /connect/{proxy+} on the same HTTP API, and API Gateway alone may invoke it", () => {
    const fn = connectFunction();
    const arn = `arn:aws:lambda:us-east-1:123456789012:function:${fn.name}`;
    const integrations = new Map(
      ci.resources
        .filter((r) => r.type === "aws:apigatewayv2/integration:Integration")
        .map((r) => [`integrations/${r.id}`, r.inputs]),
    );
    const apiId = ci.resources.find((r) => r.type === "aws:apigatewayv2/api:Api")?.id;
    const routes = ci.resources
      .filter((r) => r.type === "aws:apigatewayv2/route:Route")
      .map((r) => ({
        key: r.inputs.routeKey,
        api: r.inputs.apiId,
        integration: integrations.get(r.inputs.target),
      }))
      .filter((r) => unsecret(r.integration?.integrationUri) === arn)
      .map((r) => ({ key: r.key, api: r.api, payload: r.integration?.payloadFormatVersion }));
    expect(routes.sort((a, b) => a.key.localeCompare(b.key))).toEqual(
      ["GET /connect/{proxy+}", "POST /connect/{proxy+}"].map((key) => ({ key, api: apiId, payload: "2.0" })),
    );
    // The form's submit creates secrets: its throttle is a share of the secret-write budget.
    expect(SECRET_WRITE_ROUTES).toHaveProperty(["POST /connect/{proxy+}"]);
    const invokers = ci.resources
      .filter((r) => r.type === "aws:lambda/permission:Permission" && unsecret(r.inputs.function) === arn)
      .map((r) => r.inputs);
    expect(invokers).toHaveLength(2);
    for (const invoker of invokers)
      expect(invoker).toMatchObject({
        action: "lambda:InvokeFunction",
        principal: "apigateway.amazonaws.com",
        sourceArn: `arn:aws:execute-api:us-east-1:123456789012:${apiId}/*`,
      });
  });

  it("runs from its bundle within API Gateway's 30 s", () => {
    expect(connectFunction()).toMatchObject({
      architectures: ["arm64"],
      runtime: "nodejs24.x",
      handler: "index.handler",
      timeout: 29,
    });
    expect(ci.builds.find((b) => b.functionID === "Connect")?.bundle).toBe("dist/functions/connect");
    expect(Object.keys(connectFunction().environment.variables).sort()).toEqual([
      "CONNVAULT_PUBLIC_URL",
      "SST_KEY",
      "SST_KEY_FILE",
      "SST_RESOURCE_App",
    ]);
  });
});

describe("every function role", () => {
  it("trusts only lambda.amazonaws.com, never the account root", () => {
    expect(roles(ci).length).toBeGreaterThan(0);
    // ReconcilerRole is EventBridge Scheduler's, not a function's (see "the reconciler").
    for (const role of roles(ci).filter((r) => r.name !== "ReconcilerRole")) {
      const policy = role.inputs.assumeRolePolicy;
      const trust = typeof policy === "string" ? JSON.parse(policy) : policy;
      expect(trust.Statement, role.name).toEqual([
        expect.objectContaining({
          Effect: "Allow",
          Action: "sts:AssumeRole",
          Principal: { Service: "lambda.amazonaws.com" },
        }),
      ]);
    }
  });
});

describe("the table", () => {
  const table = (result: SynthResult) => only(result, "aws:dynamodb/table:Table");

  it("has the keys and GSIs the code queries, with every index key declared", () => {
    const inputs = table(ci);
    expect(inputs).toMatchObject({ hashKey: "pk", rangeKey: "sk", billingMode: "PAY_PER_REQUEST" });
    expect(inputs.globalSecondaryIndexes).toEqual([
      expect.objectContaining({ name: "gsi1", hashKey: "gsi1pk", rangeKey: "gsi1sk", projectionType: "ALL" }),
      expect.objectContaining({ name: "gsi2", hashKey: "gsi2pk", rangeKey: "gsi2sk", projectionType: "ALL" }),
    ]);
    const declared = (inputs.attributes as { name: string }[]).map((a) => a.name).sort();
    expect(declared).toEqual(["gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "pk", "sk"]);
  });

  it("streams new and old images, has TTL and point-in-time recovery", () => {
    expect(table(ci)).toMatchObject({
      streamEnabled: true,
      streamViewType: "NEW_AND_OLD_IMAGES",
      ttl: { attributeName: "expires_at", enabled: true },
      pointInTimeRecovery: { enabled: true },
    });
  });

  it("is deletion-protected in production only", () => {
    expect(table(production).deletionProtectionEnabled).toBe(true);
    expect(table(ci).deletionProtectionEnabled).toBe(false);
  });
});

describe("the KMS key", () => {
  it("rotates", () => {
    expect(only(ci, "aws:kms/key:Key", "CredentialsKey")).toMatchObject({ enableKeyRotation: true });
  });
});

describe("the api function and HTTP API", () => {
  it("runs arm64 Node.js 24 with 1024 MB from the esbuild bundle", () => {
    expect(only(ci, "aws:lambda/function:Function", "ApiFunction")).toMatchObject({
      architectures: ["arm64"],
      runtime: "nodejs24.x",
      memorySize: 1024,
      handler: "index.handler",
    });
  });

  it("routes everything to the function and throttles every secret-writing route, together under 50/s", () => {
    const routes = ci.resources
      .filter((r) => r.type === "aws:apigatewayv2/route:Route")
      .map((r) => r.inputs.routeKey)
      .sort();
    expect(routes).toEqual(
      [
        "$default",
        "GET /oauth2/authorize",
        "GET /connect/{proxy+}",
        ...Object.keys(SECRET_WRITE_ROUTES),
        "ANY /v1/connections/{id}/proxy",
        "ANY /v1/connections/{id}/proxy/{proxy+}",
        "ANY /passthrough/{connection_id}/{proxy+}",
      ].sort(),
    );
    const stage = only(ci, "aws:apigatewayv2/stage:Stage");
    expect(stage.defaultRouteSettings).toMatchObject({
      throttlingRateLimit: 500,
      throttlingBurstLimit: 1000,
    });
    const limits = stage.routeSettings as { routeKey: string; throttlingRateLimit: number }[];
    expect(limits.map((s) => s.routeKey).sort()).toEqual(Object.keys(SECRET_WRITE_ROUTES).sort());
    const total = limits.reduce((sum, limit) => sum + limit.throttlingRateLimit, 0);
    expect(total).toBe(SECRET_WRITE_BUDGET);
    expect(total).toBeLessThan(50);
  });

  it("gives the api, oauth and connect functions the API's own URL, so a Host header cannot change their links", () => {
    for (const name of ["ApiFunction", "OAuthFunction", "ConnectFunction"]) {
      const variables = only(ci, "aws:lambda/function:Function", name).environment.variables;
      expect(variables.CONNVAULT_PUBLIC_URL, name).toMatch(/^https:\/\/HttpApiApi-id\.execute-api\./);
    }
  });

  it("answers no cross-origin browser request unless origins are configured", () => {
    expect(only(ci, "aws:apigatewayv2/api:Api").corsConfiguration ?? {}).toEqual({});
  });

  it("alarms on API 5xx, every function's errors, the api's throttles, both DLQs and the stream's lag", () => {
    const alarms = ci.resources
      .filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")
      .map((r) => `${r.inputs.namespace}/${r.inputs.metricName}`)
      .sort();
    expect(alarms).toEqual(
      [
        "AWS/ApiGateway/5xx",
        ...Array(9).fill("AWS/Lambda/Errors"),
        "AWS/Lambda/Throttles",
        "AWS/Lambda/IteratorAge",
        "AWS/SQS/ApproximateNumberOfMessagesVisible",
        "AWS/SQS/ApproximateNumberOfMessagesVisible",
      ].sort(),
    );
    const functions = ci.resources.filter((r) => r.type === "aws:lambda/function:Function");
    const watched = ci.resources
      .filter((r) => r.inputs.metricName === "Errors")
      .map((r) => (unsecret(r.inputs.dimensions) as { FunctionName: string }).FunctionName);
    expect(watched.sort()).toEqual(functions.map((f) => f.inputs.name).sort());
  });
});

describe("the app", () => {
  it("returns the API URL, table, secret prefix, KMS key and alarm topic", () => {
    expect(ci.outputs).toMatchObject({
      api: expect.stringMatching(/^https:\/\//),
      table: expect.stringContaining("Table"),
      secretPrefix: "connvault/ci",
      kmsKey: expect.stringContaining("CredentialsKey"),
      alarms: expect.any(String),
    });
  });
});

const roleNamed = (pattern: RegExp) => {
  const found = roles(ci).filter((r) => pattern.test(r.name));
  expect(found, String(pattern)).toHaveLength(1);
  return statementsOf(found[0]?.inputs ?? {});
};

describe("lifecycle events", () => {
  it("go to the connvault bus (connvault-<stage> outside production)", () => {
    expect(only(ci, "aws:cloudwatch/eventBus:EventBus").name).toBe("connvault-ci");
    expect(only(production, "aws:cloudwatch/eventBus:EventBus").name).toBe("connvault");
    expect(ci.outputs.bus).toBe("connvault-ci");
  });

  it("come from the table's stream with partial batch failures, bisection, an hour's retries at most, then the DLQ", () => {
    const mappings = ci.resources.filter(
      (r) =>
        r.type === "aws:lambda/eventSourceMapping:EventSourceMapping" &&
        String(r.inputs.eventSourceArn).includes("stream"),
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.inputs).toMatchObject({
      startingPosition: "TRIM_HORIZON",
      functionResponseTypes: ["ReportBatchItemFailures"],
      bisectBatchOnFunctionError: true,
      maximumRecordAgeInSeconds: 3600,
      maximumRetryAttempts: 10_000,
      destinationConfig: { onFailure: { destinationArn: expect.stringContaining("EventsDlq") } },
    });
    // The function itself sends the records it gives up on, whole, to the same DLQ.
    const events = only(ci, "aws:lambda/function:Function", "TableSubscriberEventsFunctionFunction");
    expect(events.environment.variables.CONNVAULT_EVENTS_DLQ_URL).toMatch(/^https:\/\/sqs\..*EventsDlq/);
  });

  it("are published by a role that can read the stream, put events and reach its DLQ, and nothing else", () => {
    const granted = allowed(roleNamed(/^TableSubscriberEvents.*Role$/))
      .map(({ action, statement }) => `${action} ${statement.Resource.join(",")}`)
      .sort();
    expect(granted.map((g) => g.split(" ")[0])).toEqual(
      [
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
        "events:PutEvents",
        "sqs:SendMessage",
      ].sort(),
    );
    for (const grant of granted) expect(grant).not.toMatch(/secretsmanager|kms:/);
  });
});

describe("provisioning", () => {
  it("reads the queue with partial batch responses and at most 2 concurrent consumers", () => {
    const mappings = ci.resources.filter(
      (r) =>
        r.type === "aws:lambda/eventSourceMapping:EventSourceMapping" &&
        String(r.inputs.eventSourceArn).includes("Provisioning"),
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.inputs).toMatchObject({
      batchSize: 10,
      functionResponseTypes: ["ReportBatchItemFailures"],
      scalingConfig: { maximumConcurrency: 2 },
    });
  });

  it("dead-letters a message after 5 deliveries", () => {
    const queues = ci.resources.filter((r) => r.type === "aws:sqs/queue:Queue");
    const main = queues.find((q) => q.inputs.redrivePolicy);
    expect(JSON.parse(main?.inputs.redrivePolicy as string)).toMatchObject({
      maxReceiveCount: 5,
      deadLetterTargetArn: expect.stringContaining("ProvisioningDlq"),
    });
    expect(ci.outputs.queue).toEqual(expect.stringContaining("Provisioning"));
  });

  it("runs with the api's write-only secret rights plus PutEvents, never reading a secret", () => {
    const statements = roleNamed(/^ProvisioningSubscriber.*Role$/);
    const actions = new Set(allowed(statements).map((a) => a.action));
    for (const action of [
      "secretsmanager:CreateSecret",
      "dynamodb:PutItem",
      "events:PutEvents",
      "sqs:ReceiveMessage",
    ]) {
      expect(actions.has(action), action).toBe(true);
    }
    expect([...actions].filter((a) => a.includes("GetSecretValue"))).toEqual([]);
    expect(statements.find((s) => s.Effect === "Deny")?.Action).toContain("secretsmanager:GetSecretValue");
  });
});

describe("the CloudFormation custom resource provider", () => {
  it("has the api's write-only rights and is exported as the ServiceToken", () => {
    const statements = statementsOf(only(ci, "aws:iam/role:Role", "CustomResourceRole"));
    const actions = new Set(allowed(statements).map((a) => a.action));
    expect(actions.has("secretsmanager:CreateSecret")).toBe(true);
    expect([...actions].filter((a) => a.includes("GetSecretValue"))).toEqual([]);
    expect(statements.find((s) => s.Effect === "Deny")?.Action).toContain("secretsmanager:GetSecretValue");
    expect(ci.outputs.customResourceServiceToken).toEqual(expect.stringContaining("CustomResource"));
  });
});

describe("the reconciler", () => {
  const statements = () => statementsOf(only(ci, "aws:iam/role:Role", "ReconcilerHandlerRole"));

  it("may scan and write the table, list and describe secrets, and delete only managed ones", () => {
    const granted = allowed(statements())
      .map(({ action, statement }) => `${action} ${statement.Resource.join(",")}`)
      .sort();
    const table = only(ci, "aws:dynamodb/table:Table");
    const tableArn = `arn:aws:dynamodb:us-east-1:123456789012:table/${table.name}`;
    const onTable = `${tableArn},${tableArn}/index/*`;
    expect(granted).toEqual(
      [
        `dynamodb:DeleteItem ${onTable}`,
        `dynamodb:GetItem ${onTable}`,
        `dynamodb:PutItem ${onTable}`,
        `dynamodb:Scan ${onTable}`,
        `secretsmanager:DeleteSecret ${CONNECTIONS}`,
        `secretsmanager:DescribeSecret ${CONNECTIONS}`,
        "secretsmanager:DescribeSecret *",
        "secretsmanager:ListSecrets *",
      ].sort(),
    );
  });

  it("describes adopted secrets only when tagged for an organization, and can never read a value", () => {
    const all = statements();
    expect(
      all.find(
        (s) =>
          s.Effect === "Allow" &&
          s.Action.includes("secretsmanager:DescribeSecret") &&
          s.Resource.includes("*"),
      ),
    ).toEqual({
      Effect: "Allow",
      Action: ["secretsmanager:DescribeSecret"],
      Resource: ["*"],
      Condition: { Null: { "secretsmanager:ResourceTag/connvault:organization_id": ["false"] } },
    });
    expect(all.filter((s) => s.Effect === "Deny")).toEqual([
      {
        Effect: "Deny",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"],
        Resource: ["*"],
      },
    ]);
  });

  it("runs hourly from EventBridge Scheduler, whose role only this account's schedules assume and may only invoke it", () => {
    const fn = only(ci, "aws:lambda/function:Function", "ReconcilerHandlerFunction");
    expect(fn).toMatchObject({ handler: "index.handler", runtime: "nodejs24.x", timeout: 300 });
    const schedule = only(ci, "aws:scheduler/schedule:Schedule", "ReconcilerSchedule");
    expect(schedule).toMatchObject({ scheduleExpression: "rate(1 hour)", state: "ENABLED" });
    expect(unsecret(schedule.target)).toMatchObject({
      arn: `arn:aws:lambda:us-east-1:123456789012:function:${fn.name}`,
      retryPolicy: { maximumRetryAttempts: 0 },
    });
    const scheduler = only(ci, "aws:iam/role:Role", "ReconcilerRole");
    expect(JSON.parse(unsecret(scheduler.assumeRolePolicy) as string)).toMatchObject({
      Statement: [
        {
          Effect: "Allow",
          Action: ["sts:AssumeRole"],
          Principal: { Service: ["scheduler.amazonaws.com"] },
          Condition: { StringEquals: { "aws:SourceAccount": ["123456789012"] } },
        },
      ],
    });
    expect(allowed(statementsOf(scheduler)).map(({ action }) => action)).toEqual(["lambda:InvokeFunction"]);
  });
});

describe("server keys", () => {
  const linksOf = (functionID: string) => {
    const build = ci.builds.find((b) => b.functionID === functionID) as { links?: Record<string, unknown> };
    expect(build, functionID).toBeDefined();
    return Object.keys(build.links ?? {}).sort();
  };

  it("reach only the functions that use them: the root key the api alone, per-purpose keys the rest", () => {
    expect(linksOf("Api")).toEqual([
      "ApiKeyDerivationKey",
      "ConnectSessionKey",
      "ConnvaultSettings",
      "CursorKey",
      "OAuthPageKey",
      "RootApiKey",
      "SecretTokenKey",
    ]);
    expect(linksOf("OAuth")).toEqual(["ConnvaultSettings", "OAuthPageKey", "SecretTokenKey"]);
    // Sessions and the page's CSRF values, secret writes, and links to the OAuth2 page: no root, api-key or cursor key.
    expect(linksOf("Connect")).toEqual([
      "ConnectSessionKey",
      "ConnvaultSettings",
      "OAuthPageKey",
      "SecretTokenKey",
    ]);
    expect(linksOf("Resolver")).toEqual(["ConnvaultSettings", "SecretTokenKey"]);
    // API keys are looked up by hash: the proxy never issues one, so it has no api-key key.
    expect(linksOf("Proxy")).toEqual(["ConnvaultSettings", "SecretTokenKey"]);
    expect(linksOf("CustomResource")).toEqual(["ConnvaultSettings", "SecretTokenKey"]);
    expect(linksOf("ReconcilerHandler")).toEqual(["ConnvaultSettings"]);
    const ids = ci.builds.map((b) => b.functionID);
    expect(ids).toHaveLength(9);
  });

  it("are derived from the generated server key, never from the root key", () => {
    const links = (
      ci.builds.find((b) => b.functionID === "OAuth") as { links: Record<string, { value: unknown }> }
    ).links;
    expect(only(ci, "random:index/randomBytes:RandomBytes", "ServerKey").length).toBe(32);
    // The synth's mock answers RandomBytes with 32 bytes of 7.
    const serverKey = Buffer.alloc(32, 7).toString("base64");
    const linked = unsecret(links.SecretTokenKey?.value);
    expect(linked).toBe(deriveKey(serverKey, "secret-token").toString("base64url"));
    expect(linked).not.toBe(deriveKey(secrets.RootApiKey, "secret-token").toString("base64url"));
  });
});
