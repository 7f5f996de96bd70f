import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { afterAll, describe, expect, it } from "vitest";
import {
  configureOAuthClient,
  createOrganization,
  expectStatus,
  type Harness,
  startHarness,
} from "../helpers/harness.ts";
import { venvPython } from "./backends.ts";

/**
 * Property-based testing of the whole HTTP API against its own OpenAPI document: schemathesis (from the
 * project's .venv) generates requests from `GET /openapi.json` in every phase (examples, coverage,
 * fuzzing, stateful) and runs every check on every response. The test passes only if schemathesis
 * reports no failure. `schemathesis.toml` beside this file lists the few rules no schema can state.
 */

const configFile = fileURLToPath(new URL("./schemathesis.toml", import.meta.url));
/**
 * Test cases per operation and phase: about 7,000 requests in all, in 4-6 minutes on 2 cores with every
 * check and phase. The root pass has only two operations, whose nested URLs are slow to generate.
 */
const MAX_EXAMPLES = { admin: 100, apiKeyRevocation: 100, root: 150 };
const workDir = fileURLToPath(new URL("../../.conformance/schemathesis/", import.meta.url));

interface Served {
  harness: Harness;
  url: string;
  /** HTTP requests the server has answered, counted by the server itself. */
  requests(): number;
  close(): Promise<void>;
}

const servers: Served[] = [];

/** A fresh connvault (embedded backend, no rate limit) over real HTTP, counting the requests it answers. */
async function serveFresh(): Promise<Served> {
  const harness = await startHarness({ env: { CONNVAULT_RATE_LIMIT_PER_SECOND: "0" } });
  let count = 0;
  const { url, close } = await new Promise<{ url: string; close(): Promise<void> }>((resolve) => {
    const server = serve(
      {
        fetch: (request) => {
          count++;
          return harness.fetch(request);
        },
        port: 0,
        hostname: "127.0.0.1",
      },
      (info) =>
        resolve({
          url: `http://127.0.0.1:${info.port}`,
          close: () => new Promise<void>((done) => server.close(() => done())),
        }),
    );
  });
  const served = {
    harness,
    url,
    requests: () => count,
    async close() {
      await close();
      await harness.close();
    },
  };
  servers.push(served);
  return served;
}

interface Pass {
  exitCode: number | null;
  output: string;
  generated: number;
}

/** Runs `schemathesis run` against a served API; resolves with its output once it exits. */
function schemathesis(
  name: string,
  url: string,
  key: string,
  maxExamples: number,
  args: string[],
  timeoutMs: number,
): Promise<Pass> {
  mkdirSync(workDir, { recursive: true });
  const argv = [
    "-m",
    "schemathesis.cli",
    "--config-file",
    configFile,
    "run",
    `${url}/openapi.json`,
    "--header",
    `Authorization: Bearer ${key}`,
    "--checks",
    "all",
    "--phases",
    "examples,coverage,fuzzing,stateful",
    // Only the Authorization header above: never made-up values for the API's other security scheme.
    "--generation-with-security-parameters",
    "false",
    "--max-examples",
    String(maxExamples),
    // One worker: with several, CPython 3.11's ast.parse (used by hypothesis from threads) fails with
    // "AST constructor recursion depth mismatch"; the server shares the same 2 cores anyway.
    "--workers",
    "1",
    "--request-timeout",
    "10",
    "--no-color",
    ...args,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(venvPython, argv, {
      cwd: workDir,
      env: { ...process.env, NO_COLOR: "1", PYTHONUNBUFFERED: "1", COLUMNS: "120" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (exitCode) => {
      clearTimeout(timer);
      writeFileSync(`${workDir}${name}.log`, output);
      const generated = Number(/(\d+) generated/.exec(output)?.[1] ?? 0);
      resolve({ exitCode, output, generated });
    });
  });
}

/** The parts of schemathesis' report worth reading in a test log: the failures (if any) and the summary. */
function report(name: string, pass: Pass, requests: number): string {
  const failures =
    /={3,} FAILURES ={3,}([\s\S]*?)(?:={3,} (?:WARNINGS|SUMMARY) ={3,})/.exec(pass.output)?.[1] ?? "";
  const summary = /={3,} SUMMARY ={3,}([\s\S]*)$/.exec(pass.output)?.[1] ?? pass.output.slice(-3_000);
  return [
    `schemathesis pass "${name}": exit ${pass.exitCode}, ${pass.generated} test cases generated, ${requests} HTTP requests answered by the server (full log: .conformance/schemathesis/${name}.log)`,
    failures ? `FAILURES:${failures.slice(0, 20_000)}` : "",
    `SUMMARY:${summary}`,
  ]
    .filter(Boolean)
    .join("\n");
}

afterAll(async () => {
  await Promise.all(servers.map((served) => served.close()));
});

describe("the HTTP API against its OpenAPI document (schemathesis)", () => {
  const totals = { generated: 0, requests: 0 };

  afterAll(() => {
    console.info(
      `schemathesis in total: ${totals.generated} test cases generated, ${totals.requests} HTTP requests answered`,
    );
  });

  it("conforms for an organization admin on every operation but API-key revocation", async () => {
    // Prepare: an organization with a few connections, so reads return real data to check.
    const served = await serveFresh();
    const org = await createOrganization(served.harness);
    await configureOAuthClient(served.harness, "slack");
    for (const [connector, body] of [
      [
        "stripe",
        { name: "Stripe", security: { authMethod: "bearer", token: "sk_test" }, headers: { "X-A": "1" } },
      ],
      ["slack", { name: "Slack", redirect_url: "https://app.example.com/done" }],
      ["open-meteo", { name: "Weather", access_scope: "organizational", metadata: { team: "ops" } }],
    ] as const) {
      const res = await served.harness.request("POST", `/v1/connectors/${connector}/connections`, {
        key: org.adminKey,
        body,
      });
      await expectStatus(res, 201);
    }

    // Act: the stateful phase would otherwise find the admin key's own id and revoke it mid-run.
    const pass = await schemathesis(
      "admin",
      served.url,
      org.adminKey,
      MAX_EXAMPLES.admin,
      ["--exclude-name", "DELETE /v1/api-keys/{id}"],
      600_000,
    );

    // Assess
    const text = report("admin", pass, served.requests());
    console.info(text);
    totals.generated += pass.generated;
    totals.requests += served.requests();
    expect(pass.exitCode, text).toBe(0);
  }, 660_000);

  it("conforms on API-key revocation, with a key of its own", async () => {
    // Prepare
    const served = await serveFresh();
    const org = await createOrganization(served.harness);
    const created = await served.harness.request("POST", "/v1/api-keys", {
      key: org.adminKey,
      body: { user_id: "schemathesis", role: "admin" },
    });
    await expectStatus(created, 201);
    const { key } = (await created.json()) as { key: string };

    // Act
    const pass = await schemathesis(
      "api-key-revocation",
      served.url,
      key,
      MAX_EXAMPLES.apiKeyRevocation,
      ["--include-name", "DELETE /v1/api-keys/{id}"],
      120_000,
    );

    // Assess
    const text = report("api-key-revocation", pass, served.requests());
    console.info(text);
    totals.generated += pass.generated;
    totals.requests += served.requests();
    expect(pass.exitCode, text).toBe(0);
  }, 180_000);

  it("conforms for the root key on the operations only it may call", async () => {
    // Prepare
    const served = await serveFresh();

    // Act
    const pass = await schemathesis(
      "root",
      served.url,
      served.harness.rootApiKey,
      MAX_EXAMPLES.root,
      ["--include-name", "POST /v1/organizations", "--include-name", "PUT /v1/connectors/{connector_id}"],
      300_000,
    );

    // Assess
    const text = report("root", pass, served.requests());
    console.info(text);
    totals.generated += pass.generated;
    totals.requests += served.requests();
    expect(pass.exitCode, text).toBe(0);
  }, 360_000);

  it("made at least 1,000 requests in all", () => {
    expect(totals.requests).toBeGreaterThanOrEqual(1_000);
  });
});
