import { Session } from "node:inspector/promises";

/** Where a profile sample's CPU time goes, decided from its call stack (leaf first). */
export const CATEGORIES = [
  "AWS SDK (serialize, sign, parse)",
  "validation (zod)",
  "logging (Powertools)",
  "connvault's own code",
  "Hono and the web-standard Request/Response",
  "garbage collection",
  "Node (promises, streams, timers)",
] as const;
export type Category = (typeof CATEGORIES)[number];

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
  children?: number[];
}

const packageOf = (url: string) =>
  /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
  (/\/packages\/[^/]+\/src\//.test(url) ? "connvault" : "");

function categoryOf(stack: ProfileNode[]): Category {
  const packages = stack.map((node) => packageOf(node.callFrame.url));
  if (packages.some((p) => p.startsWith("@aws-sdk/") || p.startsWith("@smithy/"))) {
    return "AWS SDK (serialize, sign, parse)";
  }
  if (packages.some((p) => p === "zod" || p.startsWith("@hono/zod"))) return "validation (zod)";
  if (packages.some((p) => p.startsWith("@aws-lambda-powertools/"))) return "logging (Powertools)";
  if (stack[0]?.callFrame.functionName === "(garbage collector)") return "garbage collection";
  // Node's internals (undici's Request, web streams) count for the nearest package that called them.
  const nearest = packages.find((p) => p !== "");
  if (nearest === "connvault") return "connvault's own code";
  if (nearest === "hono") return "Hono and the web-standard Request/Response";
  return "Node (promises, streams, timers)";
}

/**
 * CPU µs per request by category, from the V8 sampling profiler in this process while `run` is
 * called `iterations` times; idle time is not counted.
 */
export async function profileByCategory(
  run: () => Promise<unknown>,
  iterations: number,
): Promise<Record<Category, number>> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  for (let i = 0; i < iterations; i++) await run();
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();

  const nodes = new Map<number, ProfileNode>(profile.nodes.map((node) => [node.id, node as ProfileNode]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byNode = new Map<number, number>();
  profile.samples?.forEach((id, k) => {
    byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas?.[k] ?? 0));
  });

  const totals = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  for (const [id, micros] of byNode) {
    const stack: ProfileNode[] = [];
    for (let node = nodes.get(id); node; node = nodes.get(parent.get(node.id) ?? -1)) stack.push(node);
    const leaf = stack[0]?.callFrame.functionName;
    if (leaf === "(idle)" || leaf === "(root)") continue;
    totals[categoryOf(stack)] += micros / iterations;
  }
  return totals;
}
