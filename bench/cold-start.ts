import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { generateApiKey } from "@connvault/core";
import { bootLocal, generateServerKey } from "@connvault/local";
import { bundle, bundleComposition, bundleEntry, FUNCTIONS, type FunctionName } from "../scripts/bundle.ts";
import { httpApiEvent } from "../test/fixtures/api-gateway-v2.ts";
import { callApi } from "./api.ts";
import { coldProfile } from "./cold-profile.ts";
import { type BenchPart, markdownTable, range, ratioRow, stats } from "./report.ts";

const SAMPLES = Number(process.env.BENCH_COLD_SAMPLES ?? 12);
const PROFILED = 5;
const FIRST_REQUEST = join(import.meta.dirname, "cold", "first-request.mjs");

interface Sample {
  import_ms: number;
  first_request_ms: number;
  status: number;
}

/** One fresh Node process: import the bundle, serve one request (bench/cold/first-request.mjs). */
function sample(bundlePath: string, event: unknown, env: Record<string, string>): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [FIRST_REQUEST, pathToFileURL(bundlePath).href, JSON.stringify(event)],
      { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "inherit"] },
    );
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const line = output.split("\n").find((l) => l.startsWith("COLD "));
      if (code !== 0 || !line) reject(new Error(`cold-start sample exited ${code}: ${output.slice(-500)}`));
      else resolve(JSON.parse(line.slice(5)) as Sample);
    });
  });
}

/**
 * Cold start and bundle sizes. Each sample is a fresh Node process that imports a bundle and serves
 * its first request, a connection read with an API key (two GetItems on a cold container), against
 * the embedded backend on loopback. connvault's api bundle against (a) the floor, a bare handler
 * importing the same SDK clients and making the same calls, and (b) the same route on Express +
 * serverless-http; all three bundled alike by scripts/bundle.ts.
 */
/** What connvault's api bundle is measured against: each bundled from bench/cold/ like the functions. */
const REFERENCES = {
  floor: { source: "bare.ts", label: "bare handler with the same SDK clients (the floor)" },
  express: { source: "express.ts", label: "Express + serverless-http over connvault's services" },
  web: { source: "web-standard.ts", label: "no AWS call, only Node's first Headers, Request and Response" },
};
type Variant = "connvault" | keyof typeof REFERENCES;

/** The SDK clients each function builds (composition.ts); its bundle's floor is a bare handler with only these. */
const FUNCTION_CLIENTS: Record<FunctionName, string[]> = {
  api: ["dynamodb", "secrets-manager"],
  oauth: ["dynamodb", "secrets-manager"],
  resolver: ["dynamodb", "secrets-manager"],
  proxy: ["dynamodb", "secrets-manager"],
  connect: ["dynamodb", "secrets-manager"],
  events: ["eventbridge", "sqs"],
  provisioner: ["dynamodb", "secrets-manager", "eventbridge"],
  reconciler: ["dynamodb", "secrets-manager"],
  "custom-resource": ["dynamodb", "secrets-manager"],
};
const CLIENT_CLASSES: Record<string, string> = {
  dynamodb: "DynamoDBClient",
  "secrets-manager": "SecretsManagerClient",
  eventbridge: "EventBridgeClient",
  sqs: "SQSClient",
};

/** Each function's floor, bundled like the functions: a handler that builds its SDK clients and nothing else. */
async function floorSizes(outDir: string): Promise<Record<FunctionName, number>> {
  // Inside the repository, so the SDK resolves from its node_modules.
  const sources = mkdtempSync(join(import.meta.dirname, "cold", ".floor-"));
  try {
    const sizes = {} as Record<FunctionName, number>;
    for (const [name, clients] of Object.entries(FUNCTION_CLIENTS) as [FunctionName, string[]][]) {
      const entry = join(sources, `${name}.mjs`);
      writeFileSync(
        entry,
        [
          ...clients.map((c) => `import { ${CLIENT_CLASSES[c]} } from "@aws-sdk/client-${c}";`),
          `const clients = [${clients.map((c) => `new ${CLIENT_CLASSES[c]}({})`).join(", ")}];`,
          "export const handler = async () => clients.length;",
        ].join("\n"),
      );
      sizes[name] = await bundleEntry(entry, join(outDir, `floor-${name}`, "index.mjs"));
    }
    return sizes;
  } finally {
    rmSync(sources, { recursive: true, force: true });
  }
}
type Bundle = { label: string; path: string; bytes: number };

export async function coldStart(): Promise<BenchPart> {
  const outDir = mkdtempSync(join(tmpdir(), "connvault-cold-"));
  const functions = await bundle(outDir);
  const floors = await floorSizes(outDir);
  const composition = (await bundleComposition(FUNCTIONS.api.entry)).slice(0, 10);
  const undiciBytes =
    (await bundleComposition(FUNCTIONS.proxy.entry)).find(([from]) => from === "undici")?.[1] ?? 0;
  const api = { label: "connvault api", path: join(outDir, "api", "index.mjs") };
  const bundles = { connvault: { ...api, bytes: statSync(api.path).size } } as Record<Variant, Bundle>;
  const mapped = join(outDir, "api-mapped", "index.mjs");
  await bundleEntry(FUNCTIONS.api.entry, mapped, true);
  for (const [name, { source, label }] of Object.entries(REFERENCES)) {
    const path = join(outDir, name, "index.mjs");
    const bytes = await bundleEntry(join(import.meta.dirname, "cold", source), path);
    bundles[name as Variant] = { label, path, bytes };
  }

  const rootApiKey = generateApiKey();
  const table = "connvault-cold";
  const stack = await bootLocal({
    rootApiKey,
    env: { CONNVAULT_TABLE: table, CONNVAULT_LOG_LEVEL: "SILENT" },
  });
  const call = (path: string, key: string, body: unknown) =>
    callApi<{ id: string; admin_api_key: { key: string } }>(stack, "POST", path, key, body);
  const key = (await call("/v1/organizations", rootApiKey, { name: "cold" })).admin_api_key.key;
  const { id } = await call("/v1/connectors/stripe/connections", key, {
    name: "cold",
    security: { authMethod: "bearer", token: "sk_cold" },
  });
  const event = httpApiEvent("GET", `/v1/connections/${id}`, { headers: { authorization: `Bearer ${key}` } });
  // What Lambda gives every function; connvault reads its own settings as it does when deployed.
  const env = {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL: stack.edge.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    CONNVAULT_TABLE: table,
    CONNVAULT_ROOT_API_KEY: rootApiKey,
    CONNVAULT_SERVER_KEY: generateServerKey(),
    CONNVAULT_LOG_LEVEL: "INFO",
    CONNVAULT_DOCS_SCRIPT: join(outDir, "api", "scalar.js"),
  };
  const names = Object.keys(bundles) as Variant[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as Sample[]])) as Record<
    Variant,
    Sample[]
  >;
  let profile: [string, number][] = [];
  try {
    for (const name of names) await sample(bundles[name].path, event, env); // warm the file cache
    for (let s = 0; s < SAMPLES; s++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(s + k) % names.length] as Variant;
        const result = await sample(bundles[name].path, event, env);
        if (result.status !== 200) throw new Error(`${name} answered ${result.status} on its first request`);
        samples[name].push(result);
      }
    }
    profile = await coldProfile(mapped, FIRST_REQUEST, event, env, PROFILED);
  } finally {
    await stack.close();
    rmSync(outDir, { recursive: true, force: true });
  }

  const of = (name: Variant, part: (s: Sample) => number) => stats(samples[name].map(part));
  const total = (s: Sample) => s.import_ms + s.first_request_ms;
  const times = markdownTable(
    ["variant", "import", "first request", "import + first request"],
    names.map((name) => [
      bundles[name].label,
      range(
        of(name, (s) => s.import_ms),
        "ms",
        1,
      ),
      range(
        of(name, (s) => s.first_request_ms),
        "ms",
        1,
      ),
      range(of(name, total), "ms", 1),
    ]),
  );
  const connvault = of("connvault", total);
  const floor = of("floor", total);
  const express = of("express", total);
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  const apiAboveFloor = (functions.find(({ name }) => name === "api")?.bytes ?? 0) - floors.api;
  const zodBytes = composition.find(([from]) => from === "zod")?.[1] ?? 0;
  const sizes = markdownTable(
    ["bundle", "index.mjs", "floor: its SDK clients alone", "above the floor"],
    [
      ...functions.map(({ name, bytes, budgetBytes }) => [
        `${name} (budget ${kib(budgetBytes)})`,
        kib(bytes),
        `${kib(floors[name])} (${FUNCTION_CLIENTS[name].join(", ")})`,
        kib(bytes - floors[name]),
      ]),
      ...(["floor", "express"] as const).map((name) => [
        bundles[name].label,
        kib(bundles[name].bytes),
        "",
        "",
      ]),
    ],
  );
  return {
    title: "Cold start and bundle sizes",
    details: `${SAMPLES} samples per variant, interleaved. A sample is a fresh Node process that imports the minified ESM bundle
(AWS SDK inside, as deployed) and serves one API Gateway (payload 2.0) request that reads a connection
with an API key: two GetItems against the embedded backend on loopback, with the SDK's first-call work
(credentials, endpoint, signing key) included. Node's own start-up, the same for all three, is not
counted; on Lambda the runtime adds its own. connvault logs at INFO, as deployed. The last row is no
handler of anyone's: the time Node takes to load the web-standard classes Hono builds on, which the
floor and Express never touch.

${times}

Where connvault's cold start goes: V8's CPU profile of ${PROFILED} more api samples (the same bundle built with its
source map), in milliseconds per sample, each profile sample counted for the package of the nearest
bundle frame on its stack; V8 compiling the module, which grows with the bundle, is counted apart. The
profiler adds its own cost, so the sum is above the median.

${markdownTable(
  ["where", "ms per cold start"],
  profile.map(([where, ms]) => [where, ms.toFixed(1)]),
)}

Bundle sizes are exact (esbuild's output is deterministic), so one build is their only sample.

${sizes}

What the api bundle holds, by package (esbuild's metafile), the ten largest. What is above the floor is
mostly zod, in every function: each imports core's schema modules (connections, connectors, API keys,
URLs), whose top-level \`z.object(…)\` calls are kept wherever one of the module's exports is used, and
\`config.ts\` parses the environment with zod's classic API, which is not tree-shaken. It stays: the
records a function reads are parsed with the schemas that define the API (one definition of each shape),
and those are classic zod because @hono/zod-openapi's generator calls \`.meta()\` on every schema, which
\`zod/mini\` schemas do not have. Without zod the api bundle would still be ${kib(apiAboveFloor - zodBytes)} above its floor
(connvault's code, Hono, the OpenAPI generator, Powertools). The oauth, resolver and proxy bundles
also hold undici (${kib(undiciBytes)}), the one outbound HTTP client, whose connect-time address check
token endpoints and upstreams go through; it is evaluated on a container's first outbound call.

${markdownTable(
  ["from", "bytes in the api bundle"],
  composition.map(([from, bytes]) => [from, kib(bytes)]),
)}`,
    summary: [
      ratioRow("cold start: import + first request", connvault, floor, "ms", 1.25, 1),
      {
        ...ratioRow("cold start against Express + serverless-http", connvault, express, "ms", undefined, 1),
        target: { text: "< 1 (faster)", met: connvault.median < express.median },
      },
      ...functions.map(({ name, bytes }) => ({
        figure: `bundle size: ${name}`,
        connvault: kib(bytes),
        reference: `${kib(floors[name])} (its SDK clients alone)`,
        ratio: bytes / floors[name],
        target: { text: "≤ floor + 100 KiB", met: bytes - floors[name] <= 100 * 1024 },
      })),
    ],
  };
}
