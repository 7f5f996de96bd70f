import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";

const FILE = "BENCHMARKS.md";

/** The machine a benchmark ran on, as one line. */
export const machine = () =>
  `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;

/** Replaces (or appends) one `## title` section of BENCHMARKS.md, saying the command that made it. */
export function writeSection(title: string, command: string, body: string): void {
  const section = `## ${title}\n\n\`${command}\` on ${machine()}.\n\n${body}\n`;
  let existing = "# Benchmarks\n\nEach section says the command that produced it.\n\n";
  try {
    existing = readFileSync(FILE, "utf8");
  } catch {}
  const heading = `## ${title}\n`;
  const start = existing.indexOf(heading);
  if (start === -1) {
    writeFileSync(FILE, `${existing.trimEnd()}\n\n${section}`);
    return;
  }
  const next = existing.indexOf("\n## ", start + heading.length);
  writeFileSync(FILE, existing.slice(0, start) + section + (next === -1 ? "" : existing.slice(next + 1)));
}
