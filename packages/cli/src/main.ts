import { parseArgs } from "node:util";
import {
  displayUrl,
  FORMATS,
  type FormatOption,
  ImportError,
  type ImportSummary,
  importFile,
} from "./import.ts";
import { createProgress, type ProgressStream } from "./progress.ts";

export const USAGE = `Usage: connvault import <file> [options]
       connvault help

Imports connections from a file into connvault, one request per record, each with an
Idempotency-Key (keyed with the API key): running the same file again with the same key
creates nothing twice.

Formats (detected from the first record; JSONL or a JSON array):
  connvault  {"connector_id", "idempotency_key"?, ...the body of POST /v1/connectors/{id}/connections}
  unified    unified.to Connection objects              → POST /unified/connection
  nango      Nango connection objects with credentials  → POST /v1/connectors/{provider}/connections

Options:
  --url URL            connvault's base URL (env CONNVAULT_URL, default http://127.0.0.1:8787)
  --key KEY            API key (env CONNVAULT_API_KEY; prefer the variable: arguments are visible to ps)
  --format FORMAT      auto|connvault|unified|nango (default auto)
  --concurrency N      requests in flight at once, 1–256 (default 8)
  --max-retries N      retries per request on 429, 503, 502, 504 and network errors, 0–100 (default 8)
  --json               print the summary as JSON
  -h, --help           this help

Ctrl-C stops it: the summary so far is printed, and running the same command again resumes.

Exit status: 0 when every record was imported or already present, 1 when any failed,
2 when the import could not run (bad arguments, unreadable file, key refused, server unreachable),
130 when interrupted.
`;

export interface Io {
  stdout: ProgressStream;
  stderr: ProgressStream;
  env: Record<string, string | undefined>;
  /** Calls `stop` on the first Ctrl-C (SIGINT); answers how to stop listening. */
  onInterrupt?: (stop: () => void) => () => void;
}

const defaultIo = (): Io => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  onInterrupt(stop) {
    process.once("SIGINT", stop);
    return () => process.off("SIGINT", stop);
  },
});

/** The exit status of a process ended by SIGINT, as shells report it. */
const INTERRUPTED = 130;

function integer(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

class UsageError extends Error {}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The human summary: counts, then one line per failed record (line number, status, code, detail). */
export function formatSummary(summary: ImportSummary): string {
  const rows: [string, string | number][] = [
    ["created", summary.created],
    ["already present", summary.alreadyPresent],
    ["failed", summary.failed.length],
    ["retries", summary.retries],
    ["elapsed", seconds(summary.elapsedMs)],
  ];
  const lines = [
    `Import of ${summary.file} (${summary.format} format, ${summary.total} records)${summary.interrupted ? ", interrupted" : ""}`,
    ...rows.map(([label, value]) => `  ${`${label}:`.padEnd(17)}${value}`),
  ];
  if (summary.failed.length > 0) {
    lines.push("Failed records:");
    for (const f of summary.failed)
      lines.push(
        `  line ${f.line}: ${f.status ? `${f.status} ` : ""}${f.code}${f.detail ? ` — ${f.detail}` : ""}`,
      );
  }
  return `${lines.join("\n")}\n`;
}

const parse = (args: string[]) =>
  parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: "string" },
      key: { type: "string" },
      format: { type: "string" },
      concurrency: { type: "string" },
      "max-retries": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });

/** Runs the CLI and answers its exit status. Never prints the API key or any record value. */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    // parseArgs names the unknown option, never a value.
    io.stderr.write(`connvault: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  // `connvault help` too: `npx connvault --help` shows npx's own help (npx connvault -- --help works).
  if (values.help || positionals[0] === "help") {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length === 0) {
    io.stderr.write(USAGE);
    return 2;
  }
  const [command, file, ...extra] = positionals;
  try {
    if (command !== "import") throw new UsageError("unknown command (the command is import)");
    if (!file) throw new UsageError("import needs a file");
    if (extra.length > 0) throw new UsageError("import takes one file");
    const format = (values.format ?? "auto") as FormatOption;
    if (format !== "auto" && !FORMATS.includes(format))
      throw new UsageError(`--format must be auto, ${FORMATS.join(", ")}`);
    const apiKey = values.key ?? io.env.CONNVAULT_API_KEY;
    if (!apiKey) throw new UsageError("an API key is required: set CONNVAULT_API_KEY or pass --key");
    const url = values.url ?? io.env.CONNVAULT_URL ?? "http://127.0.0.1:8787";
    const concurrency = integer("concurrency", values.concurrency, 8, 1, 256);
    const maxRetries = integer("max-retries", values["max-retries"], 8, 0, 100);

    const progress = createProgress(io.stderr);
    io.stderr.write(`connvault: importing ${file} into ${displayUrl(url)}\n`);
    let summary: ImportSummary;
    const interrupt = new AbortController();
    const stopListening = io.onInterrupt?.(() => interrupt.abort());
    try {
      summary = await importFile({
        file,
        url,
        apiKey,
        format,
        concurrency,
        maxRetries,
        onProgress: (p) => progress.update(p),
        signal: interrupt.signal,
      });
    } finally {
      stopListening?.();
      progress.finish();
    }
    io.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
    if (summary.interrupted) {
      io.stderr.write("connvault: interrupted; run again to resume (what was sent is not sent twice)\n");
      return INTERRUPTED;
    }
    return summary.failed.length === 0 ? 0 : 1;
  } catch (error) {
    if (error instanceof Error && error.name === "AbortError") {
      io.stderr.write("connvault: interrupted before any record was sent\n");
      return INTERRUPTED;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`connvault: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ImportError) {
      io.stderr.write(`connvault: ${error.message}\n`);
      return 2;
    }
    // Unexpected: the error's name only, since a message could quote input.
    io.stderr.write(`connvault: unexpected ${(error as Error)?.name ?? "error"}\n`);
    return 2;
  }
}
