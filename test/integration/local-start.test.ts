import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, describe, expect, it } from "vitest";
import { secretsManagerClient } from "../helpers/aws.ts";
import { expectStatus } from "../helpers/harness.ts";

const dataDir = mkdtempSync(join(tmpdir(), "connvault-start-"));
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `npm start`'s entry point as its own process, as a developer would, on free ports. */
async function start(): Promise<{ child: ChildProcess; api: string; edge: string; output: () => string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "packages/local/src/start.ts"], {
    env: {
      ...process.env,
      PORT: "0",
      CONNVAULT_EDGE_PORT: "0",
      CONNVAULT_DATA_DIR: dataDir,
      CONNVAULT_ROOT_API_KEY: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const deadline = Date.now() + 45_000;
  while (!/OpenAPI/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const api = output.match(/API\s+(http:\/\/127\.0\.0\.1:\d+)\/v1/)?.[1] ?? "";
  const edge = output.match(/AWS edge\s+(http:\/\/127\.0\.0\.1:\d+)/)?.[1] ?? "";
  return { child, api, edge, output: () => output };
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill(signal);
  const code = await exited;
  running.delete(child);
  return code;
}

describe("npm start", () => {
  it("serves the API, stops cleanly on Ctrl-C, and keeps every record and secret across a restart", {
    timeout: 120_000,
  }, async () => {
    const first = await start();
    const rootKey = readFileSync(join(dataDir, "root-api-key"), "utf8").trim();
    expect(first.output()).toContain(rootKey);
    const org = await fetch(`${first.api}/v1/organizations`, {
      method: "POST",
      headers: { authorization: `Bearer ${rootKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Persistent" }),
    }).then((res) => res.json() as Promise<{ admin_api_key: { key: string } }>);
    const adminKey = org.admin_api_key.key;
    const created = await fetch(`${first.api}/v1/connectors/stripe/connections`, {
      method: "POST",
      headers: { "x-api-key": adminKey, "content-type": "application/json" },
      body: JSON.stringify({ name: "Kept", security: { authMethod: "bearer", token: "sk_persist" } }),
    }).then((res) => res.json() as Promise<{ id: string; auth_aws_arn: string }>);
    expect(await stop(first.child, "SIGINT")).toBe(0);
    const events = readFileSync(join(dataDir, "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events.map((e) => [e.detail_type, e.detail.connection.id])).toContainEqual([
      "connection.created",
      created.id,
    ]);
    expect(JSON.stringify(events)).not.toContain("sk_persist");

    const second = await start();
    expect(second.output()).not.toContain(rootKey);
    const read = await fetch(`${second.api}/v1/connections/${created.id}`, {
      headers: { "x-api-key": adminKey },
    });
    await expectStatus(read, 200);
    expect(await read.json()).toMatchObject({
      id: created.id,
      name: "Kept",
      auth_aws_arn: created.auth_aws_arn,
    });
    const secret = await secretsManagerClient(second.edge).send(
      new GetSecretValueCommand({ SecretId: created.auth_aws_arn }),
    );
    expect(JSON.parse(secret.SecretString ?? "{}")).toMatchObject({ security: { token: "sk_persist" } });
    const docs = await fetch(`${second.api}/docs`);
    await expectStatus(docs, 200);
    expect(await stop(second.child, "SIGTERM")).toBe(0);
  });
});
