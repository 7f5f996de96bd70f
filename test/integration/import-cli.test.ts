import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRetryAfter } from "@connvault/client";
import { UnifiedConnectionInput } from "@connvault/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UNIFIED_WRITABLE_FIELDS } from "../../packages/cli/src/formats/unified.ts";
import { type ImportSummary, importFile } from "../../packages/cli/src/import.ts";
import { main } from "../../packages/cli/src/main.ts";
import { type FlakyProxy, startFlakyProxy } from "../helpers/flaky-proxy.ts";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";

const REPO_ROOT = new URL("../../", import.meta.url);

let h: Harness;
let server: { url: string; close(): Promise<void> };
let dir: string;

beforeAll(async () => {
  // No per-key rate limit: every 429 the CLI sees must be one the proxy injected.
  h = await startHarness({ env: { CONNVAULT_RATE_LIMIT_PER_SECOND: "0" } });
  server = await h.listen();
  dir = await mkdtemp(join(tmpdir(), "connvault-import-"));
});

afterAll(async () => {
  await server?.close();
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

type Json = Record<string, unknown>;

const jsonl = (records: unknown[]) => `${records.map((r) => JSON.stringify(r)).join("\n")}\n`;

async function writeInput(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** Every connection the key can see, by paging GET /v1/connections with its cursor. */
async function listConnections(key: string, query = ""): Promise<Json[]> {
  const all: Json[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams(query);
    params.set("limit", "100");
    if (cursor) params.set("cursor", cursor);
    const res = await h.request("GET", `/v1/connections?${params}`, { key });
    await expectStatus(res, 200);
    const page = await json<{ data: Json[]; next_cursor: string | null }>(res);
    all.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return all;
}

/** Test timing: no real waiting on backoff without Retry-After. */
const fastRetry = { baseDelayMs: 5, maxDelayMs: 50 };

describe("connvault import: 1,000 records through a proxy that loses responses", () => {
  let proxy: FlakyProxy;
  let key: string;
  let file: string;
  let first: ImportSummary;

  beforeAll(async () => {
    proxy = await startFlakyProxy(server.url, { rate: 0.2, seed: 7 });
    key = (await createOrganization(h, "Bulk import")).adminKey;
    const records = Array.from({ length: 1000 }, (_, i) =>
      i % 4 === 3
        ? { connector_id: "open-meteo", name: `bulk-${i}`, metadata: { batch: "one" } }
        : {
            connector_id: "stripe",
            name: `bulk-${i}`,
            security: { authMethod: "bearer", token: `sk_test_${randomBytes(12).toString("hex")}` },
            ...(i % 100 === 0 ? { idempotency_key: `bulk-key-${i}` } : {}),
          },
    );
    file = await writeInput("bulk.jsonl", jsonl(records));
  });

  afterAll(async () => {
    await proxy?.close();
  });

  it("creates every record exactly once despite 429s before and after forwarding", {
    timeout: 60_000,
  }, async () => {
    first = await importFile({ file, url: proxy.url, apiKey: key, concurrency: 8, retry: fastRetry });
    // Measured for the record: how long 1,000 records take through the flaky proxy.
    console.info(`1,000-record import: ${first.elapsedMs} ms, ${first.retries} retries`, proxy.stats);

    expect(proxy.stats.rejectedBefore).toBeGreaterThan(0);
    expect(proxy.stats.rejectedAfter).toBeGreaterThan(0);
    expect(first.format).toBe("connvault");
    expect(first.total).toBe(1000);
    expect(first.failed).toEqual([]);
    expect(first.created + first.alreadyPresent).toBe(1000);
    // Each lost response is retried and answered by a replay of the creation it made.
    expect(first.alreadyPresent).toBeGreaterThan(0);
    expect(first.alreadyPresent).toBeLessThanOrEqual(proxy.stats.rejectedAfter);
    expect(first.retries).toBe(proxy.stats.rejectedBefore + proxy.stats.rejectedAfter);

    const connections = await listConnections(key);
    const names = new Set(connections.map((c) => c.name));
    expect(connections).toHaveLength(1000);
    expect(names.size).toBe(1000);
    expect(connections.filter((c) => c.connector_id === "open-meteo")).toHaveLength(250);
  });

  it("creates nothing on a second run of the same file", { timeout: 60_000 }, async () => {
    expect(first).toBeDefined();
    const second = await importFile({ file, url: proxy.url, apiKey: key, concurrency: 8, retry: fastRetry });
    expect(second).toMatchObject({ total: 1000, created: 0, alreadyPresent: 1000, failed: [] });
    expect(await listConnections(key)).toHaveLength(1000);
  });
});

describe("connvault import: Idempotency-Keys only the importer can work out", () => {
  it("gives another member's run of the same file keys of its own, and still resumes the importer's own run", async () => {
    const org = await createOrganization(h, "Keyed import");
    const alice = await org.member();
    const bob = await org.member();
    const file = await writeInput(
      `keyed-${randomBytes(4).toString("hex")}.jsonl`,
      jsonl([
        { connector_id: "stripe", name: "Alice's Stripe" },
        { connector_id: "stripe", name: "Alice's Stripe 2", security: { authMethod: "bearer", token: "sk" } },
      ]),
    );

    const first = await importFile({ file, url: server.url, apiKey: alice.key });
    // Bob sees the same public fields (the export, the list), so an unkeyed digest of them is his key too.
    const other = await importFile({ file, url: server.url, apiKey: bob.key });
    const resumed = await importFile({ file, url: server.url, apiKey: alice.key });

    expect(first).toMatchObject({ total: 2, created: 2, alreadyPresent: 0, failed: [] });
    expect(other).toMatchObject({ total: 2, created: 2, alreadyPresent: 0, failed: [] });
    expect(resumed).toMatchObject({ total: 2, created: 0, alreadyPresent: 2, failed: [] });
    for (const member of [alice, bob]) {
      const own = (await listConnections(member.key)).filter((c) => c.owner === member.userId);
      expect(own).toHaveLength(2);
    }
  });
});

describe("connvault import: unified.to and Nango exports", () => {
  let key: string;

  beforeAll(async () => {
    key = (await createOrganization(h, "Exports")).adminKey;
  });

  it("keeps UNIFIED_WRITABLE_FIELDS within what the unified route accepts", () => {
    const accepted = Object.keys(UnifiedConnectionInput.shape);
    for (const field of UNIFIED_WRITABLE_FIELDS) expect(accepted).toContain(field);
  });

  it("imports a unified.to export (JSON array), dropping read-only fields", async () => {
    const exported = ["a", "b", "c"].map((n, i) => ({
      id: `unified_${n}`,
      created_at: "2024-05-01T10:00:00.000Z",
      updated_at: "2024-05-02T10:00:00.000Z",
      workspace_id: "ws_unified",
      integration_type: i === 2 ? "hubspot" : "stripe",
      integration_name: `Unified ${n}`,
      external_xref: `customer-${n}`,
      permissions: ["payment_payment_read"],
      categories: ["payment"],
      environment: "Production",
      is_paused: i === 1,
      auth: { access_token: `tok_${randomBytes(8).toString("hex")}`, refresh_token: "rt_unified" },
      last_healthy_at: "2024-05-02T10:00:00.000Z",
      auth_azure_keyvault_id: "https://vault.example/secret",
      some_future_field: true,
    }));
    // A record without integration_type cannot be sent: reported by the line its object starts on.
    const text = JSON.stringify([...exported, { id: "unified_d", categories: [], permissions: [] }], null, 2);
    const starts = text.split("\n").flatMap((l, i) => (l === "  {" ? [i + 1] : []));
    const file = await writeInput("unified.json", text);
    const summary = await importFile({ file, url: server.url, apiKey: key });
    expect(summary).toMatchObject({ format: "unified", total: 4, created: 3, alreadyPresent: 0 });
    expect(summary.failed).toEqual([
      { line: starts[3], code: "invalid_record", detail: "integration_type is missing" },
    ]);

    const res = await h.request("GET", "/unified/connection?limit=100", { key });
    const list = await json<Json[]>(res);
    expect(list.map((c) => c.external_xref).sort()).toEqual(["customer-a", "customer-b", "customer-c"]);
    const b = list.find((c) => c.external_xref === "customer-b");
    expect(b).toMatchObject({ integration_type: "stripe", is_paused: true, categories: ["payment"] });
    expect(b?.id).not.toBe("unified_b");
    expect(JSON.stringify(list)).not.toContain("tok_");

    const again = await importFile({ file, url: server.url, apiKey: key });
    expect(again).toMatchObject({ created: 0, alreadyPresent: 3, failed: [{ line: starts[3] }] });
  });

  it("imports a Nango export (JSONL), reporting the unmappable record by its line", async () => {
    const canary = `canary_${randomBytes(8).toString("hex")}`;
    const lines = [
      JSON.stringify({
        id: 1,
        connection_id: "acme-slack",
        provider_config_key: "slack-prod",
        provider: "slack",
        created_at: "2024-01-01T00:00:00.000Z",
        credentials: {
          type: "OAUTH2",
          access_token: `xoxb-${canary}`,
          refresh_token: `xoxe-${canary}`,
          expires_at: "2030-01-01T00:00:00.000Z",
          raw: { token_type: "bearer", scope: "chat:write" },
        },
        metadata: { team: "T042", seats: 12, nested: { a: 1 } },
        connection_config: { subdomain: "acme" },
      }),
      JSON.stringify({
        connection_id: "acme-datadog",
        provider_config_key: "datadog",
        provider: "datadog",
        credentials: { type: "API_KEY", apiKey: `dd-${canary}` },
      }),
      "",
      JSON.stringify({
        connection_id: "acme-stripe",
        provider_config_key: "stripe-live",
        provider: "stripe",
        credentials: { type: "API_KEY", apiKey: `sk_live_${canary}` },
      }),
      JSON.stringify({
        connection_id: "acme-twilio",
        provider_config_key: "twilio",
        credentials: { type: "BASIC", username: "AC123", password: `pw-${canary}` },
      }),
      JSON.stringify({
        connection_id: "acme-oauth1",
        provider_config_key: "trello",
        provider: "trello",
        credentials: { type: "OAUTH1", oauth_token: `ot-${canary}`, oauth_token_secret: `ots-${canary}` },
      }),
      JSON.stringify({
        connection_id: "acme-weather",
        provider_config_key: "open-meteo",
        provider: "open-meteo",
        credentials: {},
      }),
    ];
    const file = await writeInput("nango.jsonl", `${lines.join("\n")}\n`);
    const summary = await importFile({ file, url: server.url, apiKey: key });

    expect(summary).toMatchObject({ format: "nango", total: 6, created: 5, alreadyPresent: 0 });
    expect(summary.failed).toEqual([
      {
        line: 6,
        code: "unmappable",
        detail: "Nango credentials of type OAUTH1 cannot be mapped (supported: OAUTH2, API_KEY, BASIC, none)",
      },
    ]);
    expect(JSON.stringify(summary)).not.toContain(canary);

    const byXref = Object.fromEntries((await listConnections(key)).map((c) => [c.external_xref, c]));
    expect(byXref["acme-slack"]).toMatchObject({
      connector_id: "slack",
      name: "acme-slack",
      status: "active",
      metadata: { team: "T042" },
      credentials: { auth_method: "oauth2" },
    });
    expect(byXref["acme-datadog"]).toMatchObject({
      connector_id: "datadog",
      credentials: { auth_method: "apiKey" },
    });
    // Nango's API_KEY is a bearer token for a connector whose auth_type is bearer.
    expect(byXref["acme-stripe"]).toMatchObject({
      connector_id: "stripe",
      credentials: { auth_method: "bearer" },
    });
    expect(byXref["acme-twilio"]).toMatchObject({
      connector_id: "twilio",
      credentials: { auth_method: "basic" },
    });
    expect(byXref["acme-weather"]).toMatchObject({ connector_id: "open-meteo", credentials: null });
    expect(byXref["acme-oauth1"]).toBeUndefined();
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Runs the real binary, as a user would, and collects what it prints. */
function runCli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn("npx", ["--no", "connvault", ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("the connvault binary", () => {
  it("reports failures by line and code, exits 1, and never prints a credential", {
    timeout: 30_000,
  }, async () => {
    const { adminKey } = await createOrganization(h, "CLI");
    const canary = (n: number) => `sk_canary${n}_${randomBytes(10).toString("hex")}`;
    const canaries = [1, 2, 3, 4, 5, 6].map(canary);
    const lines = [
      JSON.stringify({
        connector_id: "stripe",
        name: "cli-good",
        security: { authMethod: "bearer", token: canaries[0] },
      }),
      // A bad field right next to the credential: connvault answers 422.
      JSON.stringify({
        connector_id: "stripe",
        name: "cli-bad-field",
        security: { authMethod: "bearer", token: canaries[1] },
        bogus_field: canaries[2],
      }),
      // Not JSON: a parser's message would quote the text around the error, credential included.
      `{"connector_id": "stripe", "name": "cli-broken", "security": {"token": "${canaries[3]}"`,
      // Credentials that do not fit the connector (open-meteo needs none).
      JSON.stringify({
        connector_id: "open-meteo",
        name: "cli-mismatch",
        security: { authMethod: "bearer", token: canaries[4] },
      }),
      JSON.stringify({
        connector_id: "stripe",
        name: "cli-bad-security",
        security: { authMethod: "bearer", token: canaries[5], extra: canaries[5] },
      }),
      JSON.stringify({ connector_id: "open-meteo", name: "cli-weather" }),
    ];
    const file = await writeInput("cli.jsonl", `${lines.join("\n")}\n`);

    const { code, stdout, stderr } = await runCli(
      ["import", file, "--url", server.url, "--concurrency", "2"],
      {
        CONNVAULT_API_KEY: adminKey,
      },
    );

    expect(code).toBe(1);
    expect(stdout).toContain("(connvault format, 6 records)");
    expect(stdout).toMatch(/created: +2\n/);
    expect(stdout).toMatch(/already present: +0\n/);
    expect(stdout).toMatch(/failed: +4\n/);
    expect(stdout).toMatch(/elapsed: +\d+\.\d s\n/);
    expect(stdout).toMatch(/line 2: 422 validation_failed/);
    expect(stdout).toMatch(/line 3: invalid_json/);
    expect(stdout).toMatch(/line 4: 422 \w+/);
    expect(stdout).toMatch(/line 5: 422 validation_failed/);
    expect(stdout).not.toMatch(/line [16]:/);
    // Not a TTY: line-based progress on stderr.
    expect(stderr).toMatch(/import: 6\/6 \(2 created, 0 already present, 4 failed, 0 retries\)/);
    for (const secret of [...canaries, adminKey]) {
      expect(stdout).not.toContain(secret);
      expect(stderr).not.toContain(secret);
    }
  });
});

describe("main() without spawning", () => {
  const capture = () => {
    const out = { stdout: "", stderr: "" };
    return {
      out,
      io: (env: Record<string, string | undefined>) => ({
        stdout: { write: (s: string) => (out.stdout += s) },
        stderr: { write: (s: string) => (out.stderr += s) },
        env,
      }),
    };
  };

  it("prints usage for help and --help", async () => {
    for (const args of [["--help"], ["help"]]) {
      const { out, io } = capture();
      expect(await main(args, io({}))).toBe(0);
      expect(out.stdout).toContain("Usage: connvault import <file>");
    }
  });

  it("exits 0 with a JSON summary when nothing failed, and 2 without a key", async () => {
    const { adminKey } = await createOrganization(h, "main");
    const file = await writeInput(
      "main.jsonl",
      jsonl([{ connector_id: "open-meteo", name: "main-weather" }]),
    );

    const ok = capture();
    const env = { CONNVAULT_URL: server.url, CONNVAULT_API_KEY: adminKey };
    expect(await main(["import", file, "--json"], ok.io(env))).toBe(0);
    expect(JSON.parse(ok.out.stdout)).toMatchObject({ created: 1, alreadyPresent: 0, failed: [] });

    const noKey = capture();
    expect(await main(["import", file], noKey.io({ CONNVAULT_URL: server.url }))).toBe(2);
    expect(noKey.out.stderr).toContain("an API key is required");

    const refused = capture();
    expect(await main(["import", file, "--url", server.url, "--key", "cvk_not_a_key"], refused.io({}))).toBe(
      2,
    );
    expect(refused.out.stderr).toContain("the API key was refused (401)");
    expect(refused.out.stderr).not.toContain("cvk_not_a_key");

    const unreachable = capture();
    const closed = `http://127.0.0.1:${await closedPort()}`;
    expect(await main(["import", file, "--url", closed, "--max-retries", "0"], unreachable.io(env))).toBe(2);
    expect(unreachable.out.stderr).toContain(`cannot reach ${closed} (network error ECONNREFUSED)`);
  });
});

describe("Retry-After", () => {
  it("reads delay-seconds and HTTP dates", () => {
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:03 GMT", now)).toBe(3000);
    expect(parseRetryAfter("Tue, 31 Dec 2024 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
