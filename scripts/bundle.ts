import { copyFileSync, mkdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type BuildOptions, build, type Plugin } from "esbuild";

/**
 * Every Lambda function, bundled the way it is deployed: one minified ESM file with the AWS SDK
 * inside (pinned by package.json, not whatever the Lambda runtime ships), plus its assets. The SST
 * stacks point each function's `bundle` at `dist/functions/<name>`.
 */
/** Scalar's browser script, wherever npm placed the functions package's copy of it. */
const scalarScript = join(
  dirname(
    createRequire(new URL("../packages/functions/package.json", import.meta.url)).resolve(
      "@scalar/api-reference",
    ),
  ),
  "browser",
  "standalone.js",
);

export const FUNCTIONS = {
  api: {
    entry: "packages/functions/src/api/handler.ts",
    /**
     * Upper bound for index.mjs; a test fails when a change grows the bundle past it. The OpenAPI
     * document's descriptions, examples and per-operation error codes are about 50 KB of it.
     */
    budgetBytes: 860_000,
    assets: { "scalar.js": scalarScript },
  },
  // The functions that call out (token endpoints, the proxy's upstreams) carry the one outbound HTTP
  // client, undici (for the connect-time address check): about 530 KB, evaluated on the first call.
  oauth: { entry: "packages/functions/src/oauth/handler.ts", budgetBytes: 1_300_000, assets: {} },
  // The hosted connect page; it will carry undici too, to try an entered credential.
  connect: { entry: "packages/functions/src/connect/handler.ts", budgetBytes: 1_300_000, assets: {} },
  resolver: { entry: "packages/functions/src/resolver/handler.ts", budgetBytes: 1_300_000, assets: {} },
  proxy: { entry: "packages/functions/src/proxy/handler.ts", budgetBytes: 1_300_000, assets: {} },
  events: { entry: "packages/functions/src/events/handler.ts", budgetBytes: 720_000, assets: {} },
  provisioner: { entry: "packages/functions/src/provisioner/handler.ts", budgetBytes: 720_000, assets: {} },
  reconciler: { entry: "packages/functions/src/reconciler/handler.ts", budgetBytes: 720_000, assets: {} },
  "custom-resource": {
    entry: "packages/functions/src/custom-resource/handler.ts",
    budgetBytes: 720_000,
    assets: {},
  },
} as const;

export type FunctionName = keyof typeof FUNCTIONS;

/**
 * zod re-exports the messages of every locale it ships (`z.locales`, about 250 KB minified); connvault
 * answers in English and never selects another, so its bundles keep English only. Less code to
 * compile is a shorter cold start (BENCHMARKS.md).
 */
const zodEnglishOnly: Plugin = {
  name: "zod-english-only",
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: dirname(args.path),
    }));
  },
};

/** How every function is bundled: one minified ESM file with its dependencies, the AWS SDK included. */
const BUILD_OPTIONS = {
  bundle: true,
  minify: true,
  format: "esm",
  platform: "node",
  target: "node20",
  mainFields: ["module", "main"],
  legalComments: "none",
  // Some CommonJS dependencies call require() for Node built-ins. The pinned SDK's notice that later
  // releases need Node 22 is noise for a bundle made for Lambda's Node 24 (and would be its only
  // output at init on an older Node).
  banner: {
    js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url); process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";',
  },
  logLevel: "warning",
  plugins: [zodEnglishOnly],
} as const satisfies BuildOptions;

/**
 * One minified ESM bundle of `entry` with its dependencies, the AWS SDK included, as deployed; with
 * `sourcemap`, also its external source map (a profile of the bundle can then name the sources).
 */
export async function bundleEntry(entry: string, outfile: string, sourcemap = false): Promise<number> {
  await build({
    ...BUILD_OPTIONS,
    entryPoints: [entry],
    outfile,
    ...(sourcemap ? { sourcemap: "external" } : {}),
  });
  return statSync(outfile).size;
}

/** Bytes of `entry`'s bundle by the package (or source folder) they come from, largest first. */
export async function bundleComposition(entry: string): Promise<[string, number][]> {
  const { metafile } = await build({ ...BUILD_OPTIONS, entryPoints: [entry], write: false, metafile: true });
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      const from =
        /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split("/").slice(0, 3).join("/");
      bytes.set(from, (bytes.get(from) ?? 0) + bytesInOutput);
    }
  }
  return [...bytes].sort((a, b) => b[1] - a[1]);
}

export async function bundle(
  outDir = "dist/functions",
): Promise<{ name: FunctionName; bytes: number; budgetBytes: number }[]> {
  const results = [];
  for (const [name, fn] of Object.entries(FUNCTIONS) as [FunctionName, (typeof FUNCTIONS)[FunctionName]][]) {
    const dir = join(outDir, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const bytes = await bundleEntry(fn.entry, join(dir, "index.mjs"));
    for (const [asset, source] of Object.entries(fn.assets)) copyFileSync(source, join(dir, asset));
    results.push({ name, bytes, budgetBytes: fn.budgetBytes });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const { name, bytes, budgetBytes } of await bundle()) {
    console.log(
      `${name.padEnd(12)} ${(bytes / 1024).toFixed(0).padStart(6)} KiB  (budget ${(budgetBytes / 1024).toFixed(0)} KiB)`,
    );
  }
}
