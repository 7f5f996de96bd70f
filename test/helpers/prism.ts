import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { freePort } from "./ports.ts";

/** A Prism mock server (`prism mock <document> --errors`) on a loopback port. */
export interface PrismMock {
  /** e.g. http://127.0.0.1:<port>: Prism serves the document's paths at its root, whatever its `servers` say. */
  url: string;
  /** What Prism printed so far (the last 64 KiB), for a failing test's message. */
  output(): string;
  /** Stops the process (SIGTERM, then SIGKILL) and waits for it to exit. */
  close(): Promise<void>;
}

/** The locally installed Prism CLI's entry point, from its package.json `bin`. */
function prismBin(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve("@stoplight/prism-cli/package.json");
  const { bin } = JSON.parse(readFileSync(manifest, "utf8")) as { bin: string | Record<string, string> };
  return join(dirname(manifest), typeof bin === "string" ? bin : (bin.prism ?? ""));
}

/**
 * Runs Prism's CLI inside a node process that exits on its own once the process that started it is
 * gone, so a test process killed outright (SIGKILL, a crashed worker) leaves no mock server behind.
 */
const WATCHDOG = `
const parent = Number(process.env.PRISM_PARENT_PID);
setInterval(() => {
  try { process.kill(parent, 0); } catch { process.exit(0); }
}, 500).unref();
const bin = process.argv[1];
process.argv = [process.argv[0], bin, ...process.argv.slice(2)];
require(bin);
`;

/** Every Prism still running, killed if this process exits without closing them. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once("exit", () => resolve()));

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 3_000);
    await exited(child);
    clearTimeout(killer);
  }
  running.delete(child);
}

/** Starts `prism mock <document> --errors` (static examples, request validation on) and waits until it listens. */
async function startOnce(document: string, timeoutMs: number): Promise<PrismMock> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ["-e", WATCHDOG, prismBin(), "mock", document, "--errors", "-h", "127.0.0.1", "-p", String(port)],
    {
      env: { ...process.env, PRISM_PARENT_PID: String(process.pid), FORCE_COLOR: "0", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  running.add(child);
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-65_536);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const mock: PrismMock = {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    close: () => stop(child),
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`Prism did not listen within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const listening = () => {
        if (/listening on/i.test(output)) done();
      };
      const died = (code: number | null, signal: string | null) =>
        done(new Error(`Prism exited (${signal ?? code}) before listening`));
      function done(error?: Error) {
        clearTimeout(timer);
        child.stdout?.off("data", listening);
        child.off("exit", died);
        if (error) reject(error);
        else resolve();
      }
      child.stdout?.on("data", listening);
      child.once("exit", died);
    });
  } catch (error) {
    await stop(child);
    throw new Error(`${(error as Error).message}:\n${output}`);
  }
  return mock;
}

/**
 * A Prism mock of an OpenAPI document on a free loopback port. The port is chosen just before Prism
 * binds it, so a start that loses it to another process is retried on a new one.
 */
export async function startPrism(document: string, { timeoutMs = 30_000 } = {}): Promise<PrismMock> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(document, timeoutMs);
    } catch (error) {
      if (attempt >= 3 || !/EADDRINUSE/.test((error as Error).message)) throw error;
    }
  }
}
