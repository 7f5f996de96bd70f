import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { bundle } from "../../scripts/bundle.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Node 24 (Lambda's line) for the function processes; null where its build cannot run. */
    lambdaNode: string | null;
    /** Where `npm run bundle` would write `dist/functions`, for this run only. */
    bundleDir: string;
  }
}

/** Fetches Node 24 once (scripts/fetch-lambda-node.sh) and bundles every function as `npm run bundle` does. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let node: string | null = null;
  try {
    node = execFileSync("bash", ["scripts/fetch-lambda-node.sh"], { encoding: "utf8" }).trim();
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== 2) throw error;
    console.warn("test/deploy: skipped, Node 24 from the npm registry is built for Linux x86_64 only");
  }
  const root = await mkdtemp(join(tmpdir(), "connvault-deploy-bundles-"));
  const bundleDir = join(root, "dist", "functions");
  if (node) await bundle(bundleDir);
  project.provide("lambdaNode", node);
  project.provide("bundleDir", bundleDir);
  return () => rm(root, { recursive: true, force: true });
}
