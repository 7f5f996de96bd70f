import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { SourceMap } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

/** What a source file of the bundle belongs to, as the cold-start table names it. */
const ownerOf = (source: string) => {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1];
  if (!pkg) return source.includes("packages/") ? "connvault's own code" : "the bundle's top level";
  if (pkg.startsWith("@aws-sdk/") || pkg.startsWith("@smithy/")) return "AWS SDK";
  if (pkg === "hono" || pkg.startsWith("@hono/") || pkg === "@asteasolutions/zod-to-openapi") {
    return "Hono and the OpenAPI generator";
  }
  return pkg === "zod" ? "zod (building the schemas)" : pkg;
};

const sourceOf = (map: SourceMap, node: ProfileNode) => {
  const entry = map.findEntry(node.callFrame.lineNumber, node.callFrame.columnNumber);
  return "originalSource" in entry ? entry.originalSource : "";
};

/**
 * Where a cold start's milliseconds go: V8's CPU profile of the import and first request in `samples`
 * fresh processes that import `bundle` (built with its source map) and serve `event`, each profile
 * sample by the nearest bundle frame on its stack, mapped back to its package; V8 compiling the
 * module is counted on its own.
 */
export async function coldProfile(
  bundle: string,
  script: string,
  event: unknown,
  env: Record<string, string>,
  samples: number,
): Promise<[string, number][]> {
  const map = new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, "utf8")));
  const totals = new Map<string, number>();
  for (let s = 0; s < samples; s++) {
    const dir = mkdtempSync(join(tmpdir(), "connvault-cold-profile-"));
    try {
      await new Promise<void>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [script, pathToFileURL(bundle).href, JSON.stringify(event), join(dir, "cold.cpuprofile")],
          { env: { PATH: process.env.PATH ?? "", ...env }, stdio: "ignore" },
        );
        child.on("error", reject);
        child.on("close", (code) =>
          code === 0 ? resolve() : reject(new Error(`profiled sample exited ${code}`)),
        );
      });
      const profile = JSON.parse(readFileSync(join(dir, "cold.cpuprofile"), "utf8")) as {
        nodes: ProfileNode[];
        samples: number[];
        timeDeltas: number[];
      };
      const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
      const parent = new Map<number, number>();
      for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
      profile.samples.forEach((id, k) => {
        const stack: ProfileNode[] = [];
        for (let node = nodes.get(id); node; node = nodes.get(parent.get(node.id) ?? -1)) stack.push(node);
        const leaf = stack[0]?.callFrame.functionName;
        if (leaf === "(idle)" || leaf === "(root)") return;
        const inBundle = stack.find((node) => node.callFrame.url === pathToFileURL(bundle).href);
        const label =
          leaf === "(garbage collector)"
            ? "garbage collection"
            : inBundle
              ? ownerOf(sourceOf(map, inBundle))
              : stack.some((node) => node.callFrame.functionName === "compileSourceTextModule")
                ? "V8 parsing and compiling the bundle"
                : "Node (module loader, sockets, timers)";
        totals.set(label, (totals.get(label) ?? 0) + (profile.timeDeltas[k] ?? 0) / 1000 / samples);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}
