import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { generateApiKey } from "@connvault/core";
import { bootLocal, generateServerKey, type LocalStack } from "@connvault/local";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle, FUNCTIONS } from "../../scripts/bundle.ts";
import { httpApiEvent, lambdaContext } from "../fixtures/api-gateway-v2.ts";

const outDir = mkdtempSync(join(tmpdir(), "connvault-bundle-"));
let results: Awaited<ReturnType<typeof bundle>>;
let stack: LocalStack;
const rootApiKey = generateApiKey();

beforeAll(async () => {
  results = await bundle(outDir);
  stack = await bootLocal({ rootApiKey, env: { CONNVAULT_TABLE: "connvault-bundle" } });
}, 60_000);
afterAll(async () => {
  await stack.close();
  rmSync(outDir, { recursive: true, force: true });
});

describe("the deployable bundles", () => {
  it("stay within their size budgets", () => {
    for (const { name, bytes, budgetBytes } of results) expect(bytes, name).toBeLessThanOrEqual(budgetBytes);
  });

  it("carry only their own function's graph: GetSecretValue only where a role may read, Hono only in the HTTP functions", () => {
    // Markers that survive minification: the operation name the SDK sends, an api route (the proxy's own
    // paths are under /v1/connections too, so the marker is one only the api serves), an error message of Hono's.
    const code = (name: string) => readFileSync(join(outDir, name, "index.mjs"), "utf8");
    const has = (name: string) => ({
      getSecretValue: code(name).includes("GetSecretValue"),
      routes: code(name).includes("/v1/organizations"),
      hono: code(name).includes("Context is not finalized"),
    });
    expect(Object.fromEntries(Object.keys(FUNCTIONS).map((name) => [name, has(name)]))).toEqual({
      api: { getSecretValue: false, routes: true, hono: true },
      oauth: { getSecretValue: true, routes: false, hono: true },
      resolver: { getSecretValue: true, routes: false, hono: false },
      // It reads the connection's secret to inject it into the outbound call, as the resolver reads it.
      proxy: { getSecretValue: true, routes: false, hono: true },
      connect: { getSecretValue: false, routes: false, hono: true },
      events: { getSecretValue: false, routes: false, hono: false },
      provisioner: { getSecretValue: false, routes: false, hono: false },
      reconciler: { getSecretValue: false, routes: false, hono: false },
      "custom-resource": { getSecretValue: false, routes: false, hono: false },
    });
  });

  it.each(Object.keys(FUNCTIONS))(
    "%s loads from its folder alone in a fresh Node process, with no configuration but AWS's own",
    async (name) => {
      // Prepare: the folder copied where no node_modules is above it, as Lambda unpacks it.
      const task = mkdtempSync(join(tmpdir(), "connvault-task-"));
      cpSync(join(outDir, name), task, { recursive: true });
      const env = { PATH: process.env.PATH, AWS_REGION: "us-east-1" };

      // Act
      const load = 'import("./index.mjs").then((m) => console.log(typeof m.handler))';
      const run = promisify(execFile)(process.execPath, ["-e", load], { cwd: task, env });
      const { stdout } = await run.catch((error: { stderr: string }) => {
        throw new Error(error.stderr.split("\n").filter(Boolean).slice(-6).join("\n"));
      });

      // Assess
      expect(stdout.trim()).toBe("function");
      rmSync(task, { recursive: true, force: true });
    },
  );

  it("serve the API from the bundled api function alone, AWS SDK included", async () => {
    // Only the bundle folder is on the path: nothing resolves from node_modules at run time.
    Object.assign(process.env, {
      CONNVAULT_TABLE: "connvault-bundle",
      CONNVAULT_ROOT_API_KEY: rootApiKey,
      CONNVAULT_SERVER_KEY: generateServerKey(),
      CONNVAULT_LOG_LEVEL: "SILENT",
      CONNVAULT_DOCS_SCRIPT: join(outDir, "api", "scalar.js"),
      AWS_ENDPOINT_URL: stack.edge.url,
    });
    const { handler } = await import(pathToFileURL(join(outDir, "api", "index.mjs")).href);
    const invoke = async (...args: Parameters<typeof httpApiEvent>) =>
      (await handler(httpApiEvent(...args), lambdaContext)) as APIGatewayProxyStructuredResultV2;

    expect((await invoke("GET", "/v1/health")).statusCode).toBe(200);
    const org = await invoke("POST", "/v1/organizations", {
      headers: { authorization: `Bearer ${rootApiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Bundled" }),
    });
    expect(org.statusCode, org.body).toBe(201);
    // The bundles keep zod's English messages only (scripts/bundle.ts), under connvault's own error map.
    const invalid = await invoke("POST", "/v1/organizations", {
      headers: { authorization: `Bearer ${rootApiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: 42 }),
    });
    expect(invalid.statusCode).toBe(422);
    expect(JSON.parse(invalid.body ?? "{}").errors).toEqual([
      expect.objectContaining({
        path: "name",
        message: "name must be a string",
      }),
    ]);
    const script = await invoke("GET", "/docs/scalar.js");
    expect(script.statusCode).toBe(200);
  });

  it("answer from the resolver and oauth bundles too", async () => {
    const resolver = await import(pathToFileURL(join(outDir, "resolver", "index.mjs")).href);
    expect(await resolver.handler({ organization_id: "org_x" })).toMatchObject({
      ok: false,
      error: { code: "validation_failed" },
    });
    const oauth = await import(pathToFileURL(join(outDir, "oauth", "index.mjs")).href);
    const page = (await oauth.handler(
      httpApiEvent("GET", "/oauth2/callback", { query: "state=forged&code=x" }),
      lambdaContext,
    )) as APIGatewayProxyStructuredResultV2;
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain("Authorization failed");
  });

  it("answer from the proxy bundle, which authenticates API keys against the table", async () => {
    // The environment the api test set: the same table, server key and endpoint.
    const api = await import(pathToFileURL(join(outDir, "api", "index.mjs")).href);
    const proxy = await import(pathToFileURL(join(outDir, "proxy", "index.mjs")).href);
    const invoke = async (handler: typeof proxy.handler, ...args: Parameters<typeof httpApiEvent>) =>
      (await handler(httpApiEvent(...args), lambdaContext)) as APIGatewayProxyStructuredResultV2;
    const org = await invoke(api.handler, "POST", "/v1/organizations", {
      headers: { authorization: `Bearer ${rootApiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Proxied" }),
    });
    expect(org.statusCode, org.body).toBe(201);
    const key = JSON.parse(org.body ?? "{}").admin_api_key.key as string;

    const anonymous = await invoke(proxy.handler, "GET", "/v1/connections/conn_x/proxy/items");
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers?.["x-connvault-proxy"]).toBe("error");
    const unknown = await invoke(proxy.handler, "GET", "/v1/connections/conn_x/proxy/items", {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(unknown.statusCode, unknown.body).toBe(404);
    expect(unknown.headers?.["x-connvault-proxy"]).toBe("error");
  });
});
