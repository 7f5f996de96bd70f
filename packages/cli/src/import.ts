import { readFile } from "node:fs/promises";
import { ConnvaultError, createConnvaultClient, type operations, type RetryOptions } from "@connvault/client";
import {
  type ConnectorAuthTypes,
  detectFormat,
  FORMATS,
  type Format,
  mapRecord,
  type PlannedRequest,
} from "./formats/index.ts";
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
  retry?: Pick<RetryOptions, "baseDelayMs" | "maxDelayMs" | "maxRetryAfterMs">;
  onProgress?: (progress: ImportProgress) => void;
  /** Stops the import: no record is sent after it, those in flight are abandoned, the summary says so. */
  signal?: AbortSignal;
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
  /** Stopped by `signal` (Ctrl-C) before every record was sent: running the file again resumes it. */
  interrupted: boolean;
}

/** A problem with the run as a whole (unreadable file, unknown format, key refused, server unreachable). */
export class ImportError extends Error {
  override readonly name = "ImportError";
}

const REDACTED = "[redacted]";

/** Retried (with `Retry-After` honoured), as are network errors and timeouts: 502 and 504 come from gateways. */
const RETRYABLE_STATUSES = [429, 502, 503, 504];

type ConnectionBody = operations["createConnection"]["requestBody"]["content"]["application/json"];
type UnifiedBody = operations["createUnifiedConnection"]["requestBody"]["content"]["application/json"];

/** Cuts credential values out of a message, longest first (connvault never echoes one: belt and braces). */
function redact(message: string, values: Set<string>): string {
  let out = message;
  for (const value of [...values].sort((a, b) => b.length - a.length))
    if (out.includes(value)) out = out.split(value).join(REDACTED);
  return out;
}

/** A network error's code (ECONNREFUSED, UND_ERR_SOCKET…), never its message, which may quote a URL. */
function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
    return "request timed out";
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  return code ? `network error ${code}` : "network error";
}

/** A record's failure: connvault's problem, or the network error that ended its retries. */
function describeFailure(error: unknown, record: unknown): Omit<FailedRecord, "line"> {
  if (!(error instanceof ConnvaultError)) return { code: "network_error", detail: networkReason(error) };
  const fields = error.errors
    .filter((e) => e.message !== error.detail)
    .map((e) => `${e.path || "(body)"}: ${e.message}`)
    .join("; ");
  const detail = [error.detail, fields].filter(Boolean).join(" — ");
  return {
    status: error.status,
    code: error.code,
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

function fatalFor(error: unknown, what: string, url: string): unknown {
  if (error instanceof Error && error.name === "AbortError") return error;
  if (!(error instanceof ConnvaultError))
    return new ImportError(`${what}: cannot reach ${displayUrl(url)} (${networkReason(error)})`);
  if (error.status === 401) return new ImportError(`${what}: the API key was refused (401)`);
  return new ImportError(`${what}: ${error.status} ${error.code}`);
}

/** Runs `worker` over `items` with at most `concurrency` at once, taking none once `signal` is aborted. */
async function pool<T>(
  items: T[],
  concurrency: number,
  signal: AbortSignal,
  worker: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const run = async () => {
    while (next < items.length && !signal.aborted) {
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
  const signal = options.signal ?? new AbortController().signal;
  const client = (retry: number) =>
    createConnvaultClient({
      baseUrl: api,
      apiKey: options.apiKey,
      retry: {
        maxRetryAfterMs: 300_000,
        ...options.retry,
        maxRetries: retry,
        statuses: RETRYABLE_STATUSES,
        onRetry: () => retries++,
      },
      // Each attempt gets at most a minute; `signal` ends the call, retries included.
      fetch: (request) =>
        fetch(request, { signal: AbortSignal.any([request.signal, AbortSignal.timeout(60_000)]) }),
    });
  const cv = client(maxRetries);
  // Start-up reads retry less: an unreachable URL is usually a wrong one, and the user should hear it soon.
  const startup = client(Math.min(maxRetries, 3));

  // Fail fast on a wrong URL or key, rather than once per record.
  await startup.GET("/v1/me", { signal }).catch((error: unknown) => {
    throw fatalFor(error, "checking the API key", api);
  });

  let authTypes: ConnectorAuthTypes | undefined;
  if (format === "nango") {
    const catalog = await startup.GET("/v1/connectors", { signal }).catch((error: unknown) => {
      throw fatalFor(error, "reading the connector catalog", api);
    });
    authTypes = new Map(catalog.data.map((c) => [c.id, c.auth_type]));
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

  const send = ({ connectorId, body, idempotencyKey }: PlannedRequest) =>
    connectorId === undefined
      ? cv.withResponse.POST("/unified/connection", { body: body as UnifiedBody, idempotencyKey, signal })
      : cv.withResponse.POST("/v1/connectors/{connector_id}/connections", {
          params: { path: { connector_id: connectorId } },
          body: body as ConnectionBody,
          idempotencyKey,
          signal,
        });

  await pool(planned, concurrency, signal, async ({ line, value, request }) => {
    try {
      const { response } = await send(request);
      if (response.headers.get("idempotent-replayed") === "true") alreadyPresent++;
      else created++;
    } catch (error) {
      // An abandoned record is neither done nor failed: the next run sends it again.
      if (signal.aborted) return;
      failed.push({ line, ...describeFailure(error, value) });
    }
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
    interrupted: signal.aborted && created + alreadyPresent + failed.length < records.length,
  };
}
