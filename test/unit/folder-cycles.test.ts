import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../packages/core/src");
const IMPORT = /(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?["'](\.[^"']+)["']/g;

/** core's folders (connections, secrets, oauth…) and the folders each one's files import, types included. */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const folderOf = (file: string) => relative(SRC, file).split("/").slice(0, -1).join("/") || ".";
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    const file = join(entry.parentPath, entry.name);
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const [, target] of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const to = folderOf(resolve(dirname(file), target as string));
      if (to !== from && !to.startsWith("..")) edges.add(to);
    }
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as the folders along it. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const walk = (folder: string, path: string[]) => {
    const at = path.indexOf(folder);
    if (at >= 0) return void found.push([...path.slice(at), folder]);
    if (done.has(folder)) return;
    for (const next of graph.get(folder) ?? []) walk(next, [...path, folder]);
    done.add(folder);
  };
  for (const folder of graph.keys()) walk(folder, []);
  return found;
}

describe("core's folders", () => {
  it("import one another without a cycle, types included", () => {
    const graph = folderGraph();
    expect(graph.get("connections")?.size).toBeGreaterThan(0);
    expect(cycles(graph)).toEqual([]);
  });

  it("would report a cycle", () => {
    const graph = new Map([
      ["a", new Set(["b"])],
      ["b", new Set(["a"])],
    ]);
    expect(cycles(graph)).toEqual([["a", "b", "a"]]);
  });
});
