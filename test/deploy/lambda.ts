import { type ChildProcess, spawn } from "node:child_process";
import { createCipheriv, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import type { DeployedFunction } from "./deployment.ts";

// A function started the way Lambda starts it: its bundle folder alone in an empty folder, SST's
// `resource.enc` next to it, a fresh Node process of its runtime's line with exactly the synthesized
// environment, and a Runtime API (served here) that it polls for invocations.

/** A function error, as the Runtime API's `/error` endpoints receive it. */
export class LambdaError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
    readonly stackTrace: string[] = [],
  ) {
    super(`${errorType}: ${message}`);
  }
}

export interface LambdaProcess {
  fn: DeployedFunction;
  /** From process start to its first `invocation/next` (Lambda's "Init Duration" includes the runtime start). */
  initMs: number;
  /** Everything the process wrote to stdout and stderr (CloudWatch Logs on AWS). */
  output: string[];
  invoke<T = unknown>(event: unknown): Promise<T>;
  close(): Promise<void>;
}

export interface LambdaStart {
  fn: DeployedFunction;
  /** The folder `npm run bundle` wrote, standing for the stacks' `dist/functions`. */
  bundleDir: string;
  /** Node binaries by Lambda runtime identifier, e.g. `{ "nodejs24.x": "…/bin/node" }`. */
  nodes: Record<string, string>;
  /** The IAM-evaluating proxy in front of the embedded AWS endpoint. */
  endpoint: string;
  region: string;
  accessKeyId: string;
}

/** Lambda's Node runtime in a few lines: import the handler module, then serve invocations. */
const RUNNER = `import { join } from "node:path";
import { pathToFileURL } from "node:url";
const api = "http://" + process.env.AWS_LAMBDA_RUNTIME_API + "/2018-06-01/runtime";
const [file, name] = process.env._HANDLER.split(".");
const asError = (e) => ({ errorType: e?.name ?? "Error", errorMessage: e?.message ?? String(e), stackTrace: String(e?.stack ?? "").split("\\n") });
const post = (path, body) => fetch(api + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? null) });
let handler;
try {
  handler = (await import(pathToFileURL(join(process.env.LAMBDA_TASK_ROOT, file + ".mjs")).href))[name];
  if (typeof handler !== "function") throw Object.assign(new Error(process.env._HANDLER + " is undefined or not exported"), { name: "Runtime.HandlerNotFound" });
} catch (error) {
  await post("/init/error", asError(error));
  process.exit(1);
}
for (;;) {
  const next = await fetch(api + "/invocation/next");
  const id = next.headers.get("lambda-runtime-aws-request-id");
  const deadline = Number(next.headers.get("lambda-runtime-deadline-ms"));
  const event = await next.json();
  const context = {
    awsRequestId: id, functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, functionVersion: "$LATEST",
    invokedFunctionArn: next.headers.get("lambda-runtime-invoked-function-arn"),
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  try {
    await post("/invocation/" + id + "/response", await handler(event, context));
  } catch (error) {
    await post("/invocation/" + id + "/error", asError(error));
  }
}
`;

/** `resource.enc` exactly as SST's pkg/runtime/runtime.go writes it: AES-256-GCM, zero nonce, tag appended. */
export function sstResourceFile(links: Record<string, unknown>, base64Key: string): Buffer {
  // Go's json.Marshal writes a map's keys sorted.
  const json = JSON.stringify(Object.fromEntries(Object.entries(links).sort(([a], [b]) => (a < b ? -1 : 1))));
  const cipher = createCipheriv("aes-256-gcm", Buffer.from(base64Key, "base64"), Buffer.alloc(12));
  return Buffer.concat([cipher.update(json, "utf8"), cipher.final(), cipher.getAuthTag()]);
}

/** Fails when any folder from `dir` up to the root holds a `node_modules` the bundle could resolve from. */
function assertNoNodeModulesAbove(dir: string): void {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, "node_modules")))
      throw new Error(`${current}/node_modules is visible to the bundle`);
    if (dirname(current) === current) return;
  }
}

export async function startLambda(start: LambdaStart): Promise<LambdaProcess> {
  const { fn } = start;
  const node = start.nodes[fn.runtime];
  if (!node) throw new Error(`${fn.id}: no Node binary for Lambda runtime ${fn.runtime}`);
  const prefix = "dist/functions/";
  if (!fn.bundle.startsWith(prefix)) throw new Error(`${fn.id}: bundle ${fn.bundle} is not under ${prefix}`);

  const root = await mkdtemp(join(tmpdir(), "connvault-lambda-"));
  const task = join(root, "task");
  const runtime = join(root, "runtime");
  assertNoNodeModulesAbove(root);
  await cp(join(start.bundleDir, posix.relative(prefix, fn.bundle)), task, { recursive: true });
  if (fn.environment.SST_KEY && fn.environment.SST_KEY_FILE) {
    await writeFile(
      join(task, fn.environment.SST_KEY_FILE),
      sstResourceFile(fn.links, fn.environment.SST_KEY),
    );
  }
  await mkdir(runtime);
  await writeFile(join(runtime, "runner.mjs"), RUNNER);

  const api = await runtimeApi(fn);
  const output: string[] = [];
  const env = {
    ...fn.environment,
    // What Lambda itself sets for every function (AWS Lambda Developer Guide, "Defined runtime
    // environment variables"); the synthesized variables above are the function's own.
    AWS_REGION: start.region,
    AWS_DEFAULT_REGION: start.region,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_RUNTIME_API: api.host,
    AWS_ACCESS_KEY_ID: start.accessKeyId,
    AWS_SECRET_ACCESS_KEY: "deploy-simulation",
    AWS_SESSION_TOKEN: "deploy-simulation",
    LAMBDA_TASK_ROOT: task,
    LAMBDA_RUNTIME_DIR: runtime,
    TZ: ":UTC",
    _HANDLER: fn.handler,
    // The one addition: AWS's service endpoints, stood in for by the IAM-evaluating proxy.
    AWS_ENDPOINT_URL: start.endpoint,
  };
  const startedAt = performance.now();
  const child: ChildProcess = spawn(node, [join(runtime, "runner.mjs")], {
    cwd: task,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  // Before init completes this fails the start; later it fails the invocations in flight.
  child.once("exit", (code, signal) =>
    api.abort(new Error(`${fn.id} exited (${code ?? signal}):\n${output.join("")}`)),
  );
  const close = async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await api.close();
    await rm(root, { recursive: true, force: true });
  };
  try {
    await api.ready;
  } catch (error) {
    await close();
    throw new Error(`${fn.id} (${fn.bundle}) failed at init: ${(error as Error).message}`);
  }
  return { fn, initMs: performance.now() - startedAt, output, invoke: api.invoke, close };
}

interface Pending {
  id: string;
  event: unknown;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** The Lambda Runtime API (2018-06-01) for one process: next, response, error, init/error. */
async function runtimeApi(fn: DeployedFunction) {
  const queue: Pending[] = [];
  const inflight = new Map<string, Pending>();
  let poller: ServerResponse | undefined;
  let ready!: () => void;
  let initFailed!: (error: Error) => void;
  const readyPromise = new Promise<void>((resolve, reject) => {
    ready = resolve;
    initFailed = reject;
  });
  readyPromise.catch(() => undefined);

  const deliver = () => {
    const next = poller && queue.shift();
    if (!next || !poller) return;
    inflight.set(next.id, next);
    poller.writeHead(200, {
      "content-type": "application/json",
      "lambda-runtime-aws-request-id": next.id,
      "lambda-runtime-deadline-ms": String(Date.now() + fn.timeoutSeconds * 1000),
      "lambda-runtime-invoked-function-arn": fn.arn,
      "lambda-runtime-trace-id": `Root=1-${Date.now().toString(16)}-${randomUUID().slice(0, 24)}`,
    });
    poller.end(JSON.stringify(next.event));
    poller = undefined;
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    const path = (req.url ?? "").replace(/^\/2018-06-01\/runtime/, "");
    const asError = () => {
      const e = JSON.parse(body || "{}") as {
        errorType?: string;
        errorMessage?: string;
        stackTrace?: string[];
      };
      return new LambdaError(e.errorType ?? "Error", e.errorMessage ?? body, e.stackTrace);
    };
    if (path === "/invocation/next") {
      ready();
      poller = res;
      deliver();
      return;
    }
    if (path === "/init/error") initFailed(asError());
    const [, id, outcome] = path.match(/^\/invocation\/([^/]+)\/(response|error)$/) ?? [];
    const pending = id ? inflight.get(id) : undefined;
    if (pending) {
      inflight.delete(pending.id);
      if (outcome === "response") pending.resolve(JSON.parse(body || "null"));
      else pending.reject(asError());
    }
    res.writeHead(202, { "content-type": "application/json" }).end('{"status":"OK"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const abort = (error: Error) => {
    initFailed(error);
    for (const pending of [...queue.splice(0), ...inflight.values()]) pending.reject(error);
    inflight.clear();
  };
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    ready: readyPromise,
    invoke<T>(event: unknown): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ id: randomUUID(), event, resolve: resolve as (value: unknown) => void, reject });
        deliver();
      });
    },
    abort,
    close() {
      abort(new Error(`${fn.id} was stopped`));
      poller?.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
