import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";

/** How the CPU parts sample: this many interleaved batches of this many requests each. */
export const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 10);
export const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 300);

/** One line of the summary table `npm run bench` prints. */
export interface SummaryRow {
  figure: string;
  connvault: string;
  reference: string;
  ratio?: number;
  /** The target as text, and whether this run met it; absent when the figure is for context only. */
  target?: { text: string; met: boolean };
}

/** What one benchmark measured: its rows of the summary, and its section of BENCHMARKS.md. */
export interface BenchPart {
  title: string;
  details: string;
  summary: SummaryRow[];
}

/** The machine a benchmark ran on, as one line. */
export const machine = () =>
  `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;

export interface Stats {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median =
    sorted.length % 2
      ? (sorted[Math.floor(middle)] ?? 0)
      : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return { median, min: sorted[0] ?? 0, max: sorted.at(-1) ?? 0, n: sorted.length };
}

/** `median unit (min–max)`, with `digits` decimals. */
export const range = (s: Stats, unit: string, digits = 0) =>
  `${s.median.toFixed(digits)} ${unit} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

/** A row whose target is an upper bound on the ratio. */
export const ratioRow = (
  figure: string,
  ours: Stats,
  reference: Stats,
  unit: string,
  bound?: number,
  digits = 0,
): SummaryRow => {
  const ratio = ours.median / reference.median;
  return {
    figure,
    connvault: range(ours, unit, digits),
    reference: range(reference, unit, digits),
    ratio,
    ...(bound === undefined ? {} : { target: { text: `≤ ${bound}`, met: ratio <= bound } }),
  };
};

export const markdownTable = (header: string[], rows: string[][]) =>
  [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");

export const summaryTable = (rows: SummaryRow[]) =>
  markdownTable(
    ["figure", "connvault, median (min–max)", "reference, median (min–max)", "ratio", "target"],
    rows.map((row) => [
      row.figure,
      row.connvault,
      row.reference,
      row.ratio === undefined ? "—" : row.ratio.toFixed(2),
      row.target ? `${row.target.text}: ${row.target.met ? "met" : "**not met**"}` : "—",
    ]),
  );

/** Writes BENCHMARKS.md from one run of every part. */
export function writeReport(parts: BenchPart[], command: string): void {
  const summary = parts.flatMap((part) => part.summary);
  const text = `# Benchmarks

\`${command}\` on ${machine()}, ${new Date().toISOString().slice(0, 10)}. Every figure below comes from
this one run; a median and its range are over the samples each section states (at least 10).

## Summary

${summaryTable(summary)}

${parts.map((part) => `## ${part.title}\n\n${part.details}\n`).join("\n")}`;
  writeFileSync("BENCHMARKS.md", text);
}

/**
 * Runs a part with logging at INFO, as deployed: each request builds and redacts its JSON access line,
 * which goes to a sink instead of the terminal (on Lambda, a write to the runtime's pipe).
 */
export async function withLogsToSink<T>(run: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    return await run();
  } finally {
    process.stdout.write = write;
  }
}
