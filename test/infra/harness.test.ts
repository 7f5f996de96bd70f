import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { platformInstalled, type SynthResource, synth } from "./synth.ts";

// These tests prove the harness itself. Configs other than the repository's are written to a temp dir.

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Writes `sst.config.ts` plus extra files into a fresh temp dir and returns the config path. */
async function tempConfig(run: string, files: Record<string, string> = {}, prelude = ""): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "connvault-infra-"));
  dirs.push(dir);
  const config = `${prelude}export default $config({
  app(input) {
    return { name: "harness", home: "aws", removal: input?.stage === "production" ? "retain" : "remove" };
  },
  async run() {
${run}
  },
});
`;
  for (const [path, contents] of Object.entries({ "sst.config.ts": config, ...files })) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), contents);
  }
  return join(dir, "sst.config.ts");
}

const STORAGE = `
export const table = new sst.aws.Dynamo("Table", {
  fields: { pk: "string", sk: "string", tenantId: "string" },
  primaryIndex: { hashKey: "pk", rangeKey: "sk" },
  globalIndexes: { ByTenant: { hashKey: "tenantId", rangeKey: "sk" } },
});
`;

const API = `
import { table } from "./storage";

export const handler = new sst.aws.Function("Api", {
  handler: "packages/functions/src/api.handler",
  permissions: [
    { actions: ["dynamodb:GetItem", "dynamodb:Query"], resources: [table.arn, $interpolate\`\${table.arn}/index/*\`] },
    {
      actions: ["secretsmanager:CreateSecret"],
      resources: [\`arn:aws:secretsmanager:*:*:secret:\${$app.name}/\${$app.stage}/*\`],
      conditions: [{ test: "StringEquals", variable: "aws:RequestTag/app", values: [$app.name] }],
    },
  ],
});
export const api = new sst.aws.ApiGatewayV2("Http");
api.route("$default", handler.arn);
`;

const RUN = `    const { table } = await import("./stacks/storage");
    const { api } = await import("./stacks/api");
    return { table: table.name, url: api.url };`;

const byType = (resources: SynthResource[], type: string) => resources.filter((r) => r.type === type);

function policyStatements(role: SynthResource | undefined): Array<Record<string, unknown>> {
  const inline: Array<{ name: string; policy: string }> = role?.inputs.inlinePolicies ?? [];
  return inline.flatMap((policy) => JSON.parse(policy.policy).Statement);
}

describe.skipIf(!platformInstalled())("offline synth harness", { timeout: 60_000 }, () => {
  it("runs the repository's sst.config.ts for the ci and production stages", async () => {
    for (const stage of ["ci", "production"]) {
      const { resources, outputs } = await synth({ stage, secrets: { RootApiKey: "cvk_synth" } });
      expect(resources.find((r) => r.type === "pulumi:pulumi:Stack")?.name).toBe(`connvault-${stage}`);
      expect(resources.some((r) => r.type.startsWith("aws:"))).toBe(true);
      expect(typeof outputs._protect).toBe("boolean");
    }
  });

  it("records the Dynamo GSIs, the function's IAM statements and the $default route", async () => {
    const configPath = await tempConfig(RUN, { "stacks/storage.ts": STORAGE, "stacks/api.ts": API });
    const { resources, outputs, builds } = await synth({ configPath });

    const [table] = byType(resources, "aws:dynamodb/table:Table");
    expect(table?.inputs.name).toMatch(/^harness-ci-TableTable-[a-z]+$/);
    expect(table?.inputs.globalSecondaryIndexes).toEqual([
      { name: "ByTenant", hashKey: "tenantId", rangeKey: "sk", projectionType: "ALL" },
    ]);
    const attributes = table?.inputs.attributes.map((a: { name: string }) => a.name);
    for (const gsi of table?.inputs.globalSecondaryIndexes ?? []) {
      expect(attributes).toContain(gsi.hashKey);
      expect(attributes).toContain(gsi.rangeKey);
    }

    // SST puts `permissions` (and link permissions) into the role's inline policy named "inline".
    const role = byType(resources, "aws:iam/role:Role").find((r) => r.name === "ApiRole");
    expect(role?.inputs.inlinePolicies.map((p: { name: string }) => p.name)).toEqual(["inline"]);
    const statements = policyStatements(role);
    const tableArn = `arn:aws:dynamodb:us-east-1:123456789012:table/${table?.inputs.name}`;
    expect(statements).toContainEqual({
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:Query"],
      Resource: [tableArn, `${tableArn}/index/*`],
    });
    expect(statements).toContainEqual({
      Effect: "Allow",
      Action: ["secretsmanager:CreateSecret"],
      Resource: ["arn:aws:secretsmanager:*:*:secret:harness/ci/*"],
      Condition: { StringEquals: { "aws:RequestTag/app": ["harness"] } },
    });
    expect(statements.flatMap((s) => s.Action)).not.toContain("secretsmanager:GetSecretValue");
    expect(byType(resources, "aws:iam/rolePolicy:RolePolicy")).toEqual([]);
    expect(JSON.parse(role?.inputs.assumeRolePolicy).Statement[0].Principal.Service).toEqual([
      "lambda.amazonaws.com",
    ]);

    const [fn] = byType(resources, "aws:lambda/function:Function");
    expect(fn?.inputs).toMatchObject({
      handler: "packages/functions/src/api.handler",
      runtime: "nodejs24.x",
    });
    expect(fn?.inputs.role).toBe(`arn:aws:iam::123456789012:role/${role?.inputs.name}`);
    expect(builds).toEqual([
      { functionID: "Api", handler: "packages/functions/src/api.handler", runtime: "nodejs24.x" },
    ]);

    expect(byType(resources, "aws:apigatewayv2/route:Route").map((r) => r.inputs.routeKey)).toEqual([
      "$default",
    ]);
    expect(outputs).toEqual({
      table: table?.inputs.name,
      url: "https://HttpApi-id.execute-api.us-east-1.amazonaws.com",
      _protect: false,
    });
  });

  it("rejects when SST throws a VisibleError (invalid route key)", async () => {
    const configPath = await tempConfig(RUN, {
      "stacks/storage.ts": STORAGE,
      "stacks/api.ts": `${API}\napi.route("BOGUS", handler.arn);\n`,
    });
    await expect(synth({ configPath })).rejects.toThrow(
      'Invalid route BOGUS. A route must be in the format "METHOD /path".',
    );
  });

  it("rejects when an apply callback throws after run() returned", async () => {
    const configPath = await tempConfig(
      `    const { table } = await import("./stacks/storage");
    table.name.apply((name) => { throw new Error(\`late failure for \${name}\`); });
    return {};`,
      { "stacks/storage.ts": STORAGE },
    );
    await expect(synth({ configPath })).rejects.toThrow(/late failure for harness-ci-TableTable-/);
  });

  it("passes secrets as the CLI does, and rejects when one is missing", async () => {
    const configPath = await tempConfig(
      `    const key = new sst.Secret("ApiKey");
    return { key: key.value };`,
    );
    await expect(synth({ configPath })).rejects.toThrow(
      "Set a value for ApiKey with `sst secret set ApiKey <value>`",
    );
    expect((await synth({ configPath, secrets: { ApiKey: "s3cret" } })).outputs.key).toBe("s3cret");
  });

  it("rejects static top-level imports in sst.config.ts, as the CLI does", async () => {
    const configPath = await tempConfig(
      "    return {};",
      { "util.ts": "export const x = 1;\n" },
      'import { x } from "./util";\nconsole.log(x);\n',
    );
    await expect(synth({ configPath })).rejects.toThrow(/top level imports - this is not allowed/);
  });

  it("still synthesizes after failures", async () => {
    const configPath = await tempConfig(RUN, { "stacks/storage.ts": STORAGE, "stacks/api.ts": API });
    const first = await synth({ configPath, stage: "production" });
    expect(byType(first.resources, "aws:dynamodb/table:Table")[0]?.inputs.name).toMatch(
      /^harness-production-/,
    );
    expect(first.resources.length).toBe((await synth({ configPath })).resources.length);
  });
});
