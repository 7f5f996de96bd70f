import { readFile } from "node:fs/promises";
import {
  type ConnectorAuthTypes,
  detectFormat,
  FORMATS,
  type Format,
  mapRecord,
  type PlannedRequest,
} from "./formats/index.ts";
import { type HttpResult, type RetryPolicy, requestWithRetries } from "./http.ts";
import { InputError, readRecords } from "./records.ts";
import { secretsIn } from "./secrets-in.ts";

export { FORMATS, type Format } from "./formats/index.ts";

export type FormatOption = Format | "auto";

export interface ImportOptions {
  file: string;
  /** connvault's base URL, e.g. http://127.0.0.1:8787. */
  url: string;
  apiKey: string;
  format?: FormatOption;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  /** Retries per request after the first attempt. Default 8. */
  maxRetries?: number;
  /** Overrides of the retry timing (tests). */
  retry?: Omit<RetryPolicy, "maxRetries" | "onRetry">;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportProgress {
  total: number;
  done: number;
  created: number;
  alreadyPresent: number;
  failed: number;
  retries: number;
}

export interface FailedRecord {
  /** 1-based line where the record starts in the file. */
  line: number;
  /** The HTTP status, absent for records that were not sent. */
  status?: number;
  /** connvault's problem `code`, or `invalid_json`, `invalid_record`, `unmappable`, `network_error`. */
  code: string;
  /** connvault's problem `detail` (and field errors), or why the record was not sent. No record values. */
  detail: string;
}

export interface ImportSummary {
  file: string;
  format: Format;
  total: number;
  created: number;
  /** Answered with `Idempotent-Replayed: true`: created by an earlier run (or an earlier attempt). */
  alreadyPresent: number;
  failed: FailedRecord[];
  retries: number;
  elapsedMs: number;
}

/** A problem with the run as a whole (unreadable file, unknown format, key refused, server unreachable). */
export class ImportError extends Error {
  override readonly name = "ImportError";
}

const REDACTED = "[redacted]";

/** Cuts credential values out of a message, longest first (connvault never echoes one: belt and braces). */
function redact(message: string, values: Set<string>): string {
  let out = message;
  for (const value of [...values].sort((a, b) => b.length - a.length))
    if (out.includes(value)) out = out.split(value).join(REDACTED);
  return out;
}

function describeFailure(result: HttpResult, record: unknown): Omit<FailedRecord, "line"> {
  if (result.kind === "network") return { code: "network_error", detail: result.message };
  const problem = result.problem ?? { code: `http_${result.status}`, detail: "" };
  const fields = (problem.errors ?? [])
    .filter((e) => e.message !== problem.detail)
    .map((e) => `${e.path || "(body)"}: ${e.message}`)
    .join("; ");
  const detail = [problem.detail, fields].filter(Boolean).join(" — ");
  return {
    status: result.status,
    code: problem.code,
    detail: redact(detail, secretsIn(record)).slice(0, 1000),
  };
}

function baseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ImportError("--url is not a URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new ImportError("--url must be http(s)");
  return parsed.href.replace(/\/+$/, "");
}

/** The URL as it may be printed: without any user:password part. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.href.replace(/\/+$/, "");
  } catch {
    return "(invalid URL)";
  }
}

function fatalFor(result: HttpResult, what: string, url: string): ImportError {
  if (result.kind === "network")
    return new ImportError(`${what}: cannot reach ${displayUrl(url)} (${result.message})`);
  if (result.status === 401) return new ImportError(`${what}: the API key was refused (401)`);
  const code = result.problem?.code ? ` ${result.problem.code}` : "";
  return new ImportError(`${what}: ${result.status}${code}`);
}

/** Runs `worker` over `items` with at most `concurrency` at once. */
async function pool<T>(items: T[], concurrency: number, worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await worker(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, run));
}

/**
 * Imports every record of a file into connvault and answers what happened. Records that cannot be
 * read or mapped are failed without being sent; the others are sent with an Idempotency-Key (their
 * own, or an HMAC of their non-secret content under the API key), so running the same file again with
 * the same key is safe.
 */
export async function importFile(options: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  const concurrency = options.concurrency ?? 8;
  const maxRetries = options.maxRetries ?? 8;
  const api = baseUrl(options.url);

  let text: string;
  try {
    text = await readFile(options.file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ImportError(`cannot read ${options.file}${code ? ` (${code})` : ""}`);
  }
  let records: ReturnType<typeof readRecords>;
  try {
    records = readRecords(text);
  } catch (error) {
    throw error instanceof InputError ? new ImportError(error.message) : error;
  }

  let format: Format;
  if (options.format && options.format !== "auto") format = options.format;
  else {
    const first = records.find((r) => !r.invalid);
    const detected = first ? detectFormat(first.value) : undefined;
    if (!detected) {
      if (records.length === 0) throw new ImportError(`${options.file} has no records`);
      throw new ImportError(
        `cannot tell the format from the first record (line ${first?.line ?? records[0]?.line}); use --format ${FORMATS.join("|")}`,
      );
    }
    format = detected;
  }

  let retries = 0;
  const policy: RetryPolicy = { ...options.retry, maxRetries, onRetry: () => retries++ };
  // Start-up reads retry less: an unreachable URL is usually a wrong one, and the user should hear it soon.
  const get = (path: string) =>
    requestWithRetries(
      { method: "GET", url: `${api}${path}`, apiKey: options.apiKey },
      { ...policy, maxRetries: Math.min(maxRetries, 3) },
    );

  // Fail fast on a wrong URL or key, rather than once per record.
  const me = await get("/v1/me");
  if (me.result.kind !== "response" || !me.result.ok) throw fatalFor(me.result, "checking the API key", api);

  let authTypes: ConnectorAuthTypes | undefined;
  if (format === "nango") {
    const catalog = await get("/v1/connectors");
    if (catalog.result.kind !== "response" || !catalog.result.ok)
      throw fatalFor(catalog.result, "reading the connector catalog", api);
    const data =
      (catalog.result.body as { data?: { id?: unknown; auth_type?: unknown }[] } | undefined)?.data ?? [];
    authTypes = new Map(
      data.flatMap((c) =>
        typeof c.id === "string" && typeof c.auth_type === "string" ? [[c.id, c.auth_type]] : [],
      ),
    );
  }

  const failed: FailedRecord[] = [];
  const planned: { line: number; value: unknown; request: PlannedRequest }[] = [];
  for (const record of records) {
    if (record.invalid) {
      failed.push({ line: record.line, code: "invalid_json", detail: "this line is not valid JSON" });
      continue;
    }
    const mapped = mapRecord(format, record.value, options.apiKey, authTypes);
    if (mapped.ok) planned.push({ line: record.line, value: record.value, request: mapped.request });
    else failed.push({ line: record.line, code: mapped.code, detail: mapped.reason });
  }

  let created = 0;
  let alreadyPresent = 0;
  const progress = (): ImportProgress => ({
    total: records.length,
    done: created + alreadyPresent + failed.length,
    created,
    alreadyPresent,
    failed: failed.length,
    retries,
  });
  options.onProgress?.(progress());

  await pool(planned, concurrency, async ({ line, value, request }) => {
    const { result } = await requestWithRetries(
      {
        method: "POST",
        url: `${api}${request.path}`,
        apiKey: options.apiKey,
        body: request.body,
        idempotencyKey: request.idempotencyKey,
      },
      policy,
    );
    if (result.kind === "response" && result.ok) {
      if (result.replayed) alreadyPresent++;
      else created++;
    } else failed.push({ line, ...describeFailure(result, value) });
    options.onProgress?.(progress());
  });

  failed.sort((a, b) => a.line - b.line);
  return {
    file: options.file,
    format,
    total: records.length,
    created,
    alreadyPresent,
    failed,
    retries,
    elapsedMs: Math.round(performance.now() - started),
  };
}
