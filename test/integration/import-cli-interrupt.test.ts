import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { main } from "../../packages/cli/src/main.ts";
import { createOrganization, type Harness, startHarness } from "../helpers/harness.ts";
import { type LoopbackServer, startLoopbackServer } from "../helpers/loopback-server.ts";

const BIN = new URL("../../packages/cli/bin/connvault.mjs", import.meta.url).pathname;

let h: Harness;
let server: { url: string; close(): Promise<void> };
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  server = await h.listen();
  dir = await mkdtemp(join(tmpdir(), "connvault-interrupt-"));
});

afterAll(async () => {
  await server.close();
  await h.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * In front of connvault: forwards every request but the POSTs after the first `forwarded`, which it
 * never answers (calling `onStall`).
 */
async function stalling(forwarded: number, onStall = () => {}): Promise<LoopbackServer> {
  let posts = 0;
  return startLoopbackServer(async (req, res, body) => {
    if (req.method === "POST" && ++posts > forwarded) return onStall();
    const headers = Object.entries(req.headers).flatMap(([k, v]) =>
      typeof v === "string" && k !== "host" && k !== "content-length" ? [[k, v]] : [],
    );
    const answer = await fetch(`${server.url}${req.url}`, {
      method: req.method ?? "GET",
      headers,
      ...(body ? { body } : {}),
    });
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    res.end(await answer.text());
  });
}

const records = (n: number) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ connector_id: "open-meteo", name: `weather-${i}` }));

describe("connvault import and Ctrl-C", () => {
  it("on SIGINT prints the summary so far, says to run again, exits 130; the rerun resumes", {
    timeout: 60_000,
  }, async () => {
    // Arrange: 10 records, one at a time; the 4th is never answered.
    const { adminKey } = await createOrganization(h, "Interrupted");
    const file = join(dir, "ten.jsonl");
    await writeFile(file, `${records(10).join("\n")}\n`);
    const proxy = await stalling(3);
    const child = spawn(process.execPath, [BIN, "import", file, "--url", proxy.url, "--concurrency", "1"], {
      env: { ...process.env, CONNVAULT_API_KEY: adminKey, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    onTestFinished(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    const threeDone = new Promise<void>((resolve) =>
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
        if (stderr.includes("import: 3/10")) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));

    // Act
    await threeDone;
    child.kill("SIGINT");
    const code = await exited;
    await proxy.close();

    // Assess
    expect(code, stderr).toBe(130);
    expect(stdout).toContain("(connvault format, 10 records), interrupted");
    expect(stdout).toMatch(/created: +3\n/);
    expect(stdout).toMatch(/already present: +0\n/);
    expect(stdout).toMatch(/failed: +0\n/);
    expect(stderr).toContain("connvault: interrupted; run again to resume");
    expect(stderr.endsWith("\n")).toBe(true);

    // Act: the same command against connvault itself.
    const out = { stdout: "", stderr: "" };
    const rerun = await main(["import", file, "--url", server.url, "--json"], {
      stdout: { write: (s: string) => (out.stdout += s) },
      stderr: { write: (s: string) => (out.stderr += s) },
      env: { CONNVAULT_API_KEY: adminKey },
    });

    // Assess
    expect(rerun, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({
      created: 7,
      alreadyPresent: 3,
      failed: [],
      interrupted: false,
    });
  });

  it("ends a terminal's progress bar with a newline before the summary", async () => {
    // Arrange
    const { adminKey } = await createOrganization(h, "Interrupted on a terminal");
    const file = join(dir, "five.jsonl");
    await writeFile(file, `${records(5).join("\n")}\n`);
    let interrupt = () => {};
    const proxy = await stalling(2, () => interrupt());
    let stderr = "";
    const io = {
      stdout: { write: () => true },
      stderr: {
        isTTY: true,
        write: (s: string) => {
          stderr += s;
          return true;
        },
      },
      env: { CONNVAULT_API_KEY: adminKey },
      onInterrupt: (stop: () => void) => {
        interrupt = stop;
        return () => {};
      },
    };

    // Act
    const code = await main(["import", file, "--url", proxy.url, "--concurrency", "1"], io);
    await proxy.close();

    // Assess
    expect(code).toBe(130);
    expect(stderr).toMatch(
      /2\/5 · 2 created, 0 already present, 0 failed, 0 retries\nconnvault: interrupted; run again/,
    );
  });
});
