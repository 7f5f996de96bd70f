import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createConnection } from "node:net";
import { fileURLToPath } from "node:url";
import { LOCAL_ACCOUNT_ID } from "@connvault/local";
import { freePort } from "../helpers/ports.ts";

/**
 * Real-protocol AWS backends for the conformance suite, as child processes: moto's server (Secrets
 * Manager, EventBridge) from the project's `.venv/`, and DynamoDB Local from `.conformance/`. Both are
 * prepared by `scripts/conformance/setup.sh`, which `npm run test:conformance` runs first.
 */

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const venvPython = fileURLToPath(new URL("../../.venv/bin/python", import.meta.url));
const dynamoDbLocalDir = fileURLToPath(
  new URL("../../.conformance/amplify-dynamodb-simulator-2.9.30/package/emulator/", import.meta.url),
);

export interface Backend {
  url: string;
  stop(): Promise<void>;
}

const SETUP_HINT = "run `bash scripts/conformance/setup.sh` (npm run test:conformance does) first";

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Spawns a server, keeps the tail of its output for errors, and waits until its port accepts. */
async function startProcess(
  label: string,
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; port: number; timeoutMs: number },
): Promise<Backend> {
  const child = spawn(command, args, {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      running.delete(child);
      resolve();
    });
  });
  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
  });

  const deadline = Date.now() + options.timeoutMs;
  const started = Date.now();
  while (!(await portOpen(options.port))) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(
        `${label} did not start (${spawnError?.message ?? `exit ${child.exitCode ?? child.signalCode ?? "timeout"}`}): ${output}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (process.env.CONNVAULT_CONFORMANCE_VERBOSE)
    console.info(`${label} listening on ${options.port} after ${Date.now() - started} ms`);

  return {
    url: `http://127.0.0.1:${options.port}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * moto's server on a free loopback port, in connvault's local account (so ARNs look alike on both
 * backends). One server holds every moto service; `resetMoto` empties it.
 */
export async function startMoto(): Promise<Backend> {
  if (!existsSync(venvPython)) throw new Error(`no .venv with moto: ${SETUP_HINT}`);
  const port = await freePort();
  return startProcess(
    "moto_server",
    venvPython,
    ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)],
    {
      env: { MOTO_ACCOUNT_ID: LOCAL_ACCOUNT_ID, PYTHONUNBUFFERED: "1" },
      port,
      timeoutMs: 60_000,
    },
  );
}

/** Forgets every resource of every moto service (moto's own reset API). */
export async function resetMoto(url: string): Promise<void> {
  const res = await fetch(`${url}/moto-api/reset`, { method: "POST" });
  if (!res.ok) throw new Error(`moto reset: ${res.status} ${await res.text()}`);
}

/** DynamoDB Local (the jar amplify-dynamodb-simulator ships) in memory on a free loopback port. */
export async function startDynamoDbLocal(): Promise<Backend> {
  if (!existsSync(`${dynamoDbLocalDir}DynamoDBLocal.jar`))
    throw new Error(`no DynamoDB Local in .conformance/: ${SETUP_HINT}`);
  const port = await freePort();
  return startProcess(
    "DynamoDB Local",
    "java",
    [
      // C1 only and the serial collector: the JVM is up in about half the time, which is what a test run needs.
      "-XX:TieredStopAtLevel=1",
      "-XX:+UseSerialGC",
      "-Djava.library.path=./DynamoDBLocal_lib",
      "-jar",
      "DynamoDBLocal.jar",
      "-inMemory",
      // One database whatever the caller's access key and region (else each key gets its own tables).
      "-sharedDb",
      "-port",
      String(port),
      "-disableTelemetry",
    ],
    { cwd: dynamoDbLocalDir, port, timeoutMs: 90_000 },
  );
}
