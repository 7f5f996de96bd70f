/**
 * Offline "synth" of the real `sst.config.ts` (and the `stacks/*.ts` it imports) under Pulumi mocks.
 *
 * It repeats what the SST CLI does for `sst deploy` (`pkg/project/project.go`, `pkg/project/run.go`,
 * `pkg/js/js.go` in anomalyco/sst) but runs the program in this process under `pulumi.runtime.setMocks`:
 * no AWS credentials, no Pulumi CLI, no plugins. Every resource the program registers is recorded.
 *
 * It depends on SST internals (`.sst/platform/src/auto/run.ts`, `src/shim/run.js`, the `Runtime.Build`
 * RPC, `.sst/provider-lock.json`), so `sst` is pinned exactly and this file may need touching on upgrades.
 * Needs `SST_SKIP_DEPENDENCY_CHECK=1 SST_NO_BUN=1 npx sst install --stage ci` to have generated `.sst/platform`.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join, posix, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// biome-ignore lint/suspicious/noExplicitAny: recorded Pulumi inputs are arbitrary JSON-like values
type Json = any;

export interface SynthResource {
  /** Pulumi type token, e.g. `aws:iam/role:Role` or `sst:aws:Function`. */
  type: string;
  /** Pulumi logical name, e.g. `MyFunctionRole`. */
  name: string;
  /** Inputs as the provider would receive them (Outputs resolved, secrets unwrapped). */
  inputs: Record<string, Json>;
  /** false for component resources (`sst:*`, the stack). */
  custom: boolean;
  /** Pulumi URN, as the mock monitor computes it. */
  urn: string;
  /** URN of the parent resource ("" for the stack). */
  parent: string;
  /**
   * URNs the engine creates before this resource: `dependsOn` and every resource an input refers to
   * (components expanded to their custom descendants), as the SDK sends them in RegisterResource.
   */
  dependencies: string[];
  /** The physical id the mocks answered. */
  id: string;
  /** The outputs the mocks answered: the inputs plus arn, name and type-specific attributes. */
  outputs: Record<string, Json>;
}

export interface SynthResult {
  resources: SynthResource[];
  /** What `run()` returned (plus SST's `_protect`), resolved to plain values. */
  outputs: Record<string, Json>;
  /** `Runtime.Build` requests SST sent for each `sst.aws.Function` (answered with a stub bundle). */
  builds: SynthBuild[];
}

/** What a `Runtime.Build` request (pkg/runtime/runtime.go's BuildInput) asks for. */
export interface SynthBuild {
  functionID: string;
  handler: string;
  runtime?: string;
  /** The prebuilt bundle folder (relative to the project root), when the function sets `bundle`. */
  bundle?: string;
  /**
   * Linked resources by name, when there are any: what runtime.go encrypts into the bundle's
   * `resource.enc` with the function's `SST_KEY`.
   */
  links?: Record<string, Json>;
}

export interface SynthOptions {
  /** Stage name; default "ci". */
  stage?: string;
  /** Config to run; default the repository's `sst.config.ts`. */
  configPath?: string;
  /** Values of `sst.Secret`s by name (the CLI passes them as `SST_SECRET_<name>`); a missing one fails. */
  secrets?: Record<string, string>;
}

export const ACCOUNT_ID = "123456789012";
export const REGION = "us-east-1";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const sstDir = join(repoRoot, ".sst");
const platformDir = join(sstDir, "platform");

/** True when `sst install` has generated `.sst/platform`. */
export const platformInstalled = (): boolean => existsSync(join(platformDir, "package.json"));

/** How long the program may sit idle with Pulumi's RPC queue still busy before `synth()` gives up. */
const STALL_MS = 5_000;
/** After a failure, how long to keep collecting further errors. */
const FAILURE_GRACE_MS = 250;

let queue: Promise<unknown> = Promise.resolve();

/** Runs `sst.config.ts` under Pulumi mocks and returns every registered resource. Calls are serialized. */
export function synth(options: SynthOptions = {}): Promise<SynthResult> {
  const next = queue.then(() => synthOnce(options));
  queue = next.catch(() => undefined);
  return next;
}

async function synthOnce(options: SynthOptions): Promise<SynthResult> {
  if (!platformInstalled()) {
    throw new Error(
      ".sst/platform is missing: run `SST_SKIP_DEPENDENCY_CHECK=1 SST_NO_BUN=1 npx sst install --stage ci`",
    );
  }
  const stage = options.stage ?? "ci";
  if (/[^a-zA-Z0-9-]/.test(stage)) throw new Error(`Invalid stage name "${stage}"`);
  const configPath = resolve(options.configPath ?? join(repoRoot, "sst.config.ts"));
  const root = dirname(configPath);
  const platformRequire = createRequire(join(platformDir, "package.json"));
  const esbuild = platformRequire("esbuild");
  const pulumi = platformRequire("@pulumi/pulumi");

  const work = await mkdtemp(join(tmpdir(), "connvault-synth-"));
  const bundles: string[] = [];
  const failures: unknown[] = [];
  let activity = 0;
  let lastActivity = Date.now();
  const active = () => {
    activity++;
    lastActivity = Date.now();
  };
  const onFailure = (error: unknown) => {
    active();
    failures.push(error);
  };
  const server = await startRpcServer(work, active);
  const savedEnv = { ...process.env };
  const savedCwd = process.cwd();
  const savedListeners = {
    unhandledRejection: process.listeners("unhandledRejection"),
    uncaughtException: process.listeners("uncaughtException"),
  };
  try {
    const nativeImport = await nativeImporter(work);
    // 1. Evaluate `app()` the way project.go does: a bundle with `$config` as the identity function.
    const bundle = async (code: string, extra: Record<string, Json>) => {
      const outfile = join(
        platformDir,
        `sst.config.synth-${process.pid}-${Date.now()}-${bundles.length}.mjs`,
      );
      bundles.push(outfile);
      await esbuild.build({
        banner: { js: BANNER + (extra.banner ?? "") },
        mainFields: ["module", "main"],
        format: "esm",
        platform: "node",
        target: "es2023",
        stdin: { contents: code, resolveDir: root, sourcefile: "eval.ts", loader: "ts" },
        nodePaths: [join(platformDir, "node_modules")],
        outfile,
        write: true,
        bundle: true,
        // Deviation from the CLI, which inlines node_modules too: packages stay external and load natively
        // from `.sst/platform/node_modules` (the bundle is written next to it). Inlined, the bundle is 32 MB
        // and takes ~20 s to load and run; and esbuild's JS API cannot be bundled (SST's router.ts calls
        // `transformSync` at load, which starts a worker on `__filename` that then finds no binary).
        // It also leaves a single copy of @pulumi/pulumi, shared with this harness.
        packages: "external",
        logLevel: "silent",
        define: extra.define,
        inject: extra.inject,
        plugins: extra.plugins,
      });
      return (await nativeImport(pathToFileURL(outfile).href)).default;
    };
    const evaluated = await bundle(`import mod from ${JSON.stringify(configPath)};\nexport default mod;`, {
      banner: "function $config(input) { return input }",
      define: { $input: JSON.stringify({ stage }) },
      plugins: [disallowImports([])],
    });
    const app = { ...(await evaluated.app({ stage })) };
    if (!app.name) throw new Error("Project name is required");
    if (!app.home) throw new Error('You must specify a "home" provider in the project configuration file.');
    app.stage = stage;
    app.removal ??= "retain";
    app.protect ??= false;
    const providers: Record<string, Json> = {};
    for (const [key, value] of Object.entries(app.providers ?? {})) {
      providers[key] = value === true ? {} : typeof value === "string" ? { version: value } : value;
    }
    if (app.home !== "local") providers[app.home] ??= {};
    app.providers = providers;

    // 2. Bundle the program the way run.go does: `$app/$cli/$dev` defined, the shim injected, provider
    //    globals prepended to every user file, `run()` wrapped by auto/run.ts.
    const lock: Array<{ alias: string; package: string }> = JSON.parse(
      readFileSync(join(sstDir, "provider-lock.json"), "utf8"),
    );
    const globals = [
      ...lock.map((entry) => `import * as ${entry.alias} from ${JSON.stringify(entry.package)};`),
      `import * as sst from ${JSON.stringify(posix.join(toSlash(platformDir), "src/components"))};`,
    ].join("\n");
    const cli = {
      command: "deploy",
      dev: false,
      paths: { home: join(work, "home"), root, work, platform: platformDir },
      state: { version: {} },
    };
    const program = await bundle(
      [
        `import { run } from ${JSON.stringify(posix.join(toSlash(platformDir), "src/auto/run.ts"))};`,
        `import mod from ${JSON.stringify(toSlash(configPath))};`,
        "export default () => run(mod.run);",
      ].join("\n"),
      {
        define: { $app: JSON.stringify(app), $cli: JSON.stringify(cli), $dev: "false" },
        inject: [join(platformDir, "src/shim/run.js")],
        plugins: [disallowImports(lock.map((entry) => entry.package)), injectGlobals(globals, root)],
      },
    );

    // 3. What the CLI would put in the program's environment.
    const region = providers.aws?.region ?? REGION;
    process.env.SST_SERVER = server.url;
    process.env.SST_AWS_REGION = region;
    process.env.AWS_REGION = region;
    for (const [name, value] of Object.entries(options.secrets ?? {}))
      process.env[`SST_SECRET_${name}`] = value;

    // 4. Mocks: record every resource, answer the provider functions SST calls.
    const resources: SynthResource[] = [];
    // The mocks' newResource gets no dependencies: the RegisterResource request being served has them.
    let request: RegisterRequest | undefined;
    await pulumi.runtime.setMocks(
      {
        newResource(args: { type: string; name: string; inputs: Record<string, Json>; custom?: boolean }) {
          active();
          const mocked = mockResource(args.type, args.name, args.inputs, region);
          const parent = request?.getParent() ?? "";
          resources.push({
            type: args.type,
            name: args.name,
            inputs: args.inputs,
            custom: args.custom ?? true,
            urn: monitor.newUrn(parent, args.type, args.name),
            parent,
            dependencies: request?.getDependenciesList() ?? [],
            id: mocked.id,
            outputs: mocked.state,
          });
          return mocked;
        },
        call(args: { token: string; inputs: Record<string, Json> }) {
          active();
          return mockCall(args.token, args.inputs, region);
        },
      },
      app.name,
      stage,
      false,
    );
    const monitor = pulumi.runtime.getMonitor();
    const registerResource = monitor.registerResource.bind(monitor);
    // MockMonitor.registerResource calls newResource synchronously, before its first await.
    monitor.registerResource = (req: RegisterRequest, callback: Json) => {
      request = req;
      const pending = registerResource(req, callback);
      request = undefined;
      return pending;
    };
    for (const [provider, config] of Object.entries(providers)) {
      for (const [key, value] of Object.entries(config as Record<string, Json>)) {
        if (key === "version") continue;
        pulumi.runtime.setConfig(
          `${provider}:${key}`,
          typeof value === "string" ? value : JSON.stringify(value),
        );
      }
    }
    if (!providers.aws?.region) pulumi.runtime.setConfig("aws:region", region);

    // 5. SST throws VisibleError inside `apply` callbacks; the Pulumi language host turns the resulting
    //    unhandled rejections into a failed update, so do the same here.
    process.removeAllListeners("unhandledRejection");
    process.removeAllListeners("uncaughtException");
    process.on("unhandledRejection", onFailure);
    process.on("uncaughtException", onFailure);

    let outputs: Record<string, Json> = {};
    try {
      outputs = await pulumi.runtime.runInPulumiStack(() => program());
    } catch (error) {
      failures.push(error);
    }

    // 6. Mocked registrations resolve asynchronously and some resources are created inside `apply`:
    //    wait until Pulumi's RPC queue is drained and nothing new happens. A failed input leaves its
    //    resource's registration pending forever (the real language host exits instead), so stop waiting
    //    once the program has been idle for a while.
    for (;;) {
      const before = activity;
      let drained = false;
      pulumi.runtime.waitForRPCs().then(() => {
        drained = true;
      });
      while (!drained) {
        await sleep(10);
        const idle = Date.now() - lastActivity;
        if (idle >= (failures.length > 0 ? FAILURE_GRACE_MS : STALL_MS)) break;
      }
      await sleep(0);
      if (activity !== before || server.pending() > 0) continue;
      if (drained || failures.length > 0) break;
      throw new Error(
        `sst.config.ts did not settle: Pulumi still has pending registrations after ${STALL_MS} ms idle (${resources.length} resources registered)`,
      );
    }
    if (pulumi.log.hasErrors() && failures.length === 0) failures.push(new Error("Pulumi logged errors"));
    if (failures.length > 0) throw toError(failures);
    return {
      resources,
      outputs: outputs ?? {},
      builds: server.builds,
    };
  } finally {
    process.removeListener("unhandledRejection", onFailure);
    process.removeListener("uncaughtException", onFailure);
    for (const [event, listeners] of Object.entries(savedListeners)) {
      for (const listener of listeners) process.on(event as "unhandledRejection", listener as () => void);
    }
    process.chdir(savedCwd);
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    await server.close();
    await Promise.all(bundles.map((file) => rm(file, { force: true })));
    await rm(work, { recursive: true, force: true });
  }
}

const BANNER = `
import { createRequire as topLevelCreateRequire } from 'module';
const require = topLevelCreateRequire(import.meta.url);
import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"
const __filename = topLevelFileUrlToPath(import.meta.url)
const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))
`;

/** The parts of Pulumi's RegisterResourceRequest (protobuf) the recording reads. */
interface RegisterRequest {
  getParent(): string;
  getDependenciesList(): string[];
}

const toSlash = (path: string) => path.replaceAll("\\", "/");
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

interface EsbuildPlugin {
  name: string;
  setup(build: {
    onResolve(
      options: { filter: RegExp },
      callback: (args: { importer: string; kind: string; path: string }) => Json,
    ): void;
    onLoad(options: { filter: RegExp }, callback: (args: { path: string }) => Json): void;
  }): void;
}

/** js.go's DisallowImports: `sst.config.ts` may only use dynamic `import()`. */
function disallowImports(allowed: string[]): EsbuildPlugin {
  return {
    name: "DisallowImports",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (basename(args.importer) === "sst.config.ts" && args.kind === "import-statement") {
          if (allowed.includes(args.path) || args.path.startsWith(toSlash(platformDir))) return undefined;
          return {
            errors: [
              {
                text: 'Your sst.config.ts has top level imports - this is not allowed. Move imports inside the function they are used and do a dynamic import: const mod = await import("./mod")',
              },
            ],
          };
        }
        return undefined;
      });
    },
  };
}

/** The CLI prepends the provider globals (`aws`, `sst`) to every user TypeScript file it bundles. */
function injectGlobals(globals: string, root: string): EsbuildPlugin {
  return {
    name: "InjectGlobals",
    setup(build) {
      build.onLoad({ filter: /\.[cm]?tsx?$/ }, (args) => {
        const path = toSlash(args.path);
        if (
          path.includes("/node_modules/") ||
          path.includes("/.sst/") ||
          !path.startsWith(`${toSlash(root)}/`)
        ) {
          return undefined;
        }
        return {
          contents: `${globals}\n${readFileSync(args.path, "utf8")}`,
          loader: args.path.endsWith("x") ? "tsx" : "ts",
        };
      });
    },
  };
}

/**
 * Node's own `import()`. Vitest routes `import()` in the modules it runs through its module runner, which
 * would transform the bundle and resolve its imports itself; a CommonJS module loaded by Node's `require`
 * gets Node's loader.
 */
async function nativeImporter(work: string): Promise<(url: string) => Promise<Json>> {
  const file = join(work, "native-import.cjs");
  await writeFile(file, "module.exports = (url) => import(url);\n");
  return createRequire(import.meta.url)(file);
}

function toError(failures: unknown[]): Error {
  const messages = [
    ...new Set(failures.map((failure) => (failure instanceof Error ? failure.message : String(failure)))),
  ];
  const error = new Error(`sst.config.ts failed under mocks:\n${messages.join("\n")}`);
  error.cause = failures[0];
  return error;
}

/** Answers SST's CLI RPC (`SST_SERVER`, Go net/rpc JSON 1.0 over HTTP POST /rpc). */
async function startRpcServer(work: string, onActivity: () => void) {
  const builds: SynthBuild[] = [];
  let pending = 0;
  const methods: Record<string, (args: Json) => Promise<Json>> = {
    // function.ts buildHandler(): answer with a stub bundle that contains the handler file.
    "Runtime.Build": async (args) => {
      builds.push({
        functionID: args.functionID,
        handler: args.handler,
        runtime: args.runtime,
        ...(args.bundle ? { bundle: args.bundle } : {}),
        ...(Object.keys(args.links ?? {}).length > 0 ? { links: args.links } : {}),
      });
      const out = join(work, "artifacts", `${args.functionID}-stub`);
      const handler = String(args.handler);
      const file = handler.slice(0, handler.lastIndexOf("."));
      const exported = handler.slice(handler.lastIndexOf(".") + 1);
      await mkdir(dirname(join(out, file)), { recursive: true });
      await writeFile(
        join(out, `${file}.mjs`),
        `export const ${exported} = async () => ({ statusCode: 200, body: "stub" });\n`,
      );
      return { handler, out, errors: [], sourcemaps: [] };
    },
    "Provider.Aws.Bootstrap": async (args) => ({
      asset: `sst-asset-${args.region}-stub`,
      assetEcrRegistryId: ACCOUNT_ID,
      assetEcrUrl: `${ACCOUNT_ID}.dkr.ecr.${args.region}.amazonaws.com/sst-asset`,
      state: `sst-state-${args.region}-stub`,
      appsyncHttp: "stub.appsync-api.amazonaws.com",
      appsyncRealtime: "stub.appsync-realtime-api.amazonaws.com",
    }),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    pending++;
    onActivity();
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", async () => {
      let reply: Json;
      try {
        const request = JSON.parse(body);
        const method = methods[request.method];
        reply = method
          ? { id: request.id ?? null, result: await method(request.params?.[0] ?? {}), error: null }
          : { id: request.id ?? null, result: null, error: `rpc: can't find service ${request.method}` };
      } catch (error) {
        reply = { id: null, result: null, error: error instanceof Error ? error.message : String(error) };
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(reply));
      pending--;
      onActivity();
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    builds,
    pending: () => pending,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

// ---------------------------------------------------------------------------------------------------
// Mocked provider behaviour

/** Plausible provider outputs: inputs echoed, plus id, arn, name and a few type-specific attributes. */
function mockResource(type: string, name: string, inputs: Record<string, Json>, region: string) {
  const physical: string = inputs.name ?? name;
  const [pkg = "", module = ""] = type.split(/[:/]/);
  const service = module.replace(/^index$/, pkg);
  const kind = type.split(":").pop() ?? type;
  const lower = kind.charAt(0).toLowerCase() + kind.slice(1);
  const id = `${name}-id`;
  let arn = `arn:aws:${service}:${region}:${ACCOUNT_ID}:${lower}/${physical}`;
  const extra: Record<string, Json> = {};
  switch (type) {
    case "aws:iam/role:Role":
    case "aws:iam/policy:Policy":
    case "aws:iam/user:User":
      arn = `arn:aws:iam::${ACCOUNT_ID}:${lower}/${physical}`;
      break;
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2":
      arn = `arn:aws:s3:::${inputs.bucket ?? physical}`;
      extra.bucket = inputs.bucket ?? physical;
      extra.bucketDomainName = `${extra.bucket}.s3.amazonaws.com`;
      extra.bucketRegionalDomainName = `${extra.bucket}.s3.${region}.amazonaws.com`;
      break;
    case "aws:dynamodb/table:Table":
      arn = `arn:aws:dynamodb:${region}:${ACCOUNT_ID}:table/${physical}`;
      if (inputs.streamEnabled) extra.streamArn = `${arn}/stream/2026-01-01T00:00:00.000`;
      break;
    case "aws:lambda/function:Function":
      arn = `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${physical}`;
      extra.qualifiedArn = `${arn}:$LATEST`;
      extra.invokeArn = `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`;
      break;
    case "aws:sqs/queue:Queue":
      arn = `arn:aws:sqs:${region}:${ACCOUNT_ID}:${physical}`;
      extra.url = `https://sqs.${region}.amazonaws.com/${ACCOUNT_ID}/${physical}`;
      break;
    case "aws:sns/topic:Topic":
      arn = `arn:aws:sns:${region}:${ACCOUNT_ID}:${physical}`;
      break;
    case "aws:kms/key:Key":
      arn = `arn:aws:kms:${region}:${ACCOUNT_ID}:key/${id}`;
      extra.keyId = id;
      break;
    case "aws:kms/alias:Alias":
      arn = `arn:aws:kms:${region}:${ACCOUNT_ID}:${physical}`;
      break;
    case "aws:secretsmanager/secret:Secret":
      arn = `arn:aws:secretsmanager:${region}:${ACCOUNT_ID}:secret:${physical}-AbCdEf`;
      break;
    case "aws:cloudwatch/logGroup:LogGroup":
      arn = `arn:aws:logs:${region}:${ACCOUNT_ID}:log-group:${physical}`;
      break;
    case "aws:cloudwatch/eventBus:EventBus":
      arn = `arn:aws:events:${region}:${ACCOUNT_ID}:event-bus/${physical}`;
      break;
    case "aws:apigatewayv2/api:Api":
      extra.apiEndpoint = `https://${id}.execute-api.${region}.amazonaws.com`;
      extra.executionArn = `arn:aws:execute-api:${region}:${ACCOUNT_ID}:${id}`;
      arn = `arn:aws:apigateway:${region}::/apis/${id}`;
      break;
    case "aws:apigatewayv2/stage:Stage":
      extra.invokeUrl = `https://api-id.execute-api.${region}.amazonaws.com/${inputs.name ?? "$default"}`;
      break;
    case "random:index/randomBytes:RandomBytes":
      extra.base64 = Buffer.alloc(inputs.length ?? 32, 7).toString("base64");
      extra.hex = Buffer.alloc(inputs.length ?? 32, 7).toString("hex");
      break;
    case "random:index/randomString:RandomString":
    case "random:index/randomPassword:RandomPassword":
      extra.result = "x".repeat(inputs.length ?? 16);
      break;
    case "random:index/randomId:RandomId":
      extra.hex = "0a1b2c3d";
      extra.b64Url = "ChssPQ";
      extra.dec = "169552957";
      break;
  }
  return { id, state: { ...inputs, arn, name: physical, ...extra } };
}

function mockCall(token: string, args: Record<string, Json>, region: string): Record<string, Json> {
  switch (token) {
    case "aws:index/getRegion:getRegion":
      return {
        name: region,
        region,
        id: region,
        description: "US East (N. Virginia)",
        endpoint: `ec2.${region}.amazonaws.com`,
      };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: ACCOUNT_ID,
        arn: `arn:aws:iam::${ACCOUNT_ID}:user/synth`,
        userId: "AIDASYNTH",
        id: ACCOUNT_ID,
      };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
    case "aws:iam/getPolicyDocument:getPolicyDocument":
      return policyDocument(args);
    default:
      return { ...args, id: token };
  }
}

/** `aws.iam.getPolicyDocument`: statements in, IAM policy JSON out (lists stay lists). */
function policyDocument(args: Record<string, Json>) {
  const statements: Json[] = args.statements ?? [];
  const principals = (list: Json[] | undefined) => {
    if (!list?.length) return undefined;
    if (list.length === 1 && list[0].type === "*") return "*";
    const result: Record<string, string[]> = {};
    for (const principal of list)
      result[principal.type] = [...(result[principal.type] ?? []), ...principal.identifiers];
    return result;
  };
  const conditions = (list: Json[] | undefined) => {
    if (!list?.length) return undefined;
    const result: Record<string, Record<string, string[]>> = {};
    for (const condition of list) {
      result[condition.test] = { ...result[condition.test], [condition.variable]: condition.values };
    }
    return result;
  };
  const Statement = statements.map((statement) =>
    Object.fromEntries(
      Object.entries({
        Sid: statement.sid,
        Effect: statement.effect ?? "Allow",
        Action: statement.actions,
        NotAction: statement.notActions,
        Resource: statement.resources,
        NotResource: statement.notResources,
        Principal: principals(statement.principals),
        NotPrincipal: principals(statement.notPrincipals),
        Condition: conditions(statement.conditions),
      }).filter(([, value]) => value !== undefined),
    ),
  );
  const document = { Version: args.version ?? "2012-10-17", Statement };
  return {
    json: JSON.stringify(document),
    minifiedJson: JSON.stringify(document),
    statements,
    id: "policy-document",
  };
}
