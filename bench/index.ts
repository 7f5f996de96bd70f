import { coldStart } from "./cold-start.ts";
import { listCost } from "./list-cost.ts";
import { load } from "./load.ts";
import { overhead } from "./overhead.ts";
import { proxyOverhead } from "./proxy.ts";
import { type BenchPart, summaryTable, writeReport } from "./report.ts";
import { roundTrips } from "./round-trips.ts";

/**
 * `npm run bench`: every benchmark in one run; prints one summary table and writes BENCHMARKS.md.
 * `npm run bench -- cold-start overhead` runs only those parts and prints their table and sections
 * without writing the file, which always holds a whole run.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
// The proxy's EMF metric lines would land in the report printed on stdout.
process.env.POWERTOOLS_METRICS_DISABLED = "true";
const PARTS = {
  "round-trips": roundTrips,
  "list-cost": listCost,
  overhead,
  proxy: proxyOverhead,
  "cold-start": coldStart,
  load,
} satisfies Record<string, () => Promise<BenchPart>>;

const selected = process.argv.slice(2);
const unknown = selected.filter((name) => !(name in PARTS));
if (unknown.length) {
  console.error(`unknown part(s): ${unknown.join(", ")}; choose from ${Object.keys(PARTS).join(", ")}`);
  process.exit(2);
}
const parts: BenchPart[] = [];
for (const [name, run] of Object.entries(PARTS)) {
  if (selected.length && !selected.includes(name)) continue;
  console.error(`bench: ${name}…`);
  parts.push(await run());
}
const summary = parts.flatMap((part) => part.summary);
console.log(summaryTable(summary));
if (selected.length) for (const part of parts) console.log(`\n## ${part.title}\n\n${part.details}`);
else {
  writeReport(parts, "npm run bench");
  console.log("\nBENCHMARKS.md written.");
}
