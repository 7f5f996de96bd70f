import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { bundleEntry } from "../../scripts/bundle.ts";
import type { DeployedFunction } from "./deployment.ts";
import { startLambda } from "./lambda.ts";

// These tests prove the simulation itself can fail: an init error surfaces, and `resource.enc` is read
// back by SST's own `Resource` inside a bundle.

const lambdaNode = inject("lambdaNode");
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A bundle folder `dist/functions/<name>` with `index.mjs` built from `source`, and its function. */
async function fakeFunction(name: string, source: string, links: Record<string, unknown> = {}) {
  const bundleDir = await mkdtemp(join(tmpdir(), "connvault-deploy-harness-"));
  dirs.push(bundleDir);
  // The entry sits in the repository so esbuild resolves `sst` from its node_modules, as scripts/bundle.ts does.
  const entry = join(import.meta.dirname, `.harness-${name}-${process.pid}.ts`);
  await writeFile(entry, source);
  await mkdir(join(bundleDir, name));
  try {
    await bundleEntry(entry, join(bundleDir, name, "index.mjs"));
  } finally {
    await rm(entry, { force: true });
  }
  const fn: DeployedFunction = {
    id: name,
    name: `harness-${name}`,
    arn: `arn:aws:lambda:us-east-1:123456789012:function:harness-${name}`,
    bundle: `dist/functions/${name}`,
    handler: "index.handler",
    runtime: "nodejs24.x",
    timeoutSeconds: 5,
    memoryMb: 128,
    environment: { SST_KEY: Buffer.alloc(32, 9).toString("base64"), SST_KEY_FILE: "resource.enc" },
    links,
    roleName: "harness",
    roleArn: "arn:aws:iam::123456789012:role/harness",
    policies: [],
    managedPolicyArns: [],
  };
  return { fn, bundleDir };
}

const start = (fake: Awaited<ReturnType<typeof fakeFunction>>) =>
  startLambda({
    ...fake,
    nodes: { "nodejs24.x": lambdaNode ?? "" },
    endpoint: "http://127.0.0.1:9",
    region: "us-east-1",
    accessKeyId: "harness",
  });

describe.skipIf(!lambdaNode)("a function started as Lambda starts it", () => {
  it("fails at init, naming the function and the error, when its bundle needs a package it lacks", async () => {
    // A package resolved at run time, as config.ts once resolved @scalar/api-reference (defect 1).
    const fake = await fakeFunction(
      "broken",
      'import { createRequire } from "node:module";\ncreateRequire(import.meta.url).resolve("@scalar/api-reference");\nexport const handler = async () => "never";\n',
    );
    await expect(start(fake)).rejects.toThrow(
      /^broken \(dist\/functions\/broken\) failed at init: Error: Cannot find module '@scalar\/api-reference'/,
    );
  });

  it("reads its linked resources from resource.enc through SST's own Resource", async () => {
    const fake = await fakeFunction(
      "linked",
      'import { Resource } from "sst";\nexport const handler = async () => (Resource as Record<string, unknown>).Thing;\n',
      { Thing: { value: "linked-value", type: "sst.sst.Secret" } },
    );
    const lambda = await start(fake);
    try {
      expect(await lambda.invoke({})).toEqual({ value: "linked-value", type: "sst.sst.Secret" });
    } finally {
      await lambda.close();
    }
  });
});
