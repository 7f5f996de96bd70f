import type { ImportProgress } from "./import.ts";

/** Where progress goes: stderr, with `isTTY` when it is a terminal. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressReporter {
  update(progress: ImportProgress): void;
  finish(): void;
}

const counts = (p: ImportProgress) =>
  `${p.created} created, ${p.alreadyPresent} already present, ${p.failed} failed, ${p.retries} retries`;

/**
 * A bar redrawn in place on a terminal (at most every 100 ms); otherwise a line at every tenth of the
 * way and at least every 10 s, so logs of long imports show life without a line per record.
 */
export function createProgress(stream: ProgressStream, now: () => number = Date.now): ProgressReporter {
  let last: ImportProgress | undefined;
  let lastDraw = 0;
  let lastTenth = -1;
  const tty = stream.isTTY === true;

  const draw = (p: ImportProgress) => {
    const ratio = p.total === 0 ? 1 : p.done / p.total;
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 75));
    const filled = Math.round(ratio * width);
    const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
    stream.write(`\r\x1b[2K${bar} ${p.done}/${p.total} · ${counts(p)}`);
  };

  return {
    update(p) {
      last = p;
      const t = now();
      if (tty) {
        if (t - lastDraw >= 100 || p.done === p.total) {
          lastDraw = t;
          draw(p);
        }
        return;
      }
      const tenth = p.total === 0 ? 10 : Math.floor((p.done / p.total) * 10);
      if (tenth > lastTenth || t - lastDraw >= 10_000) {
        lastTenth = tenth;
        lastDraw = t;
        stream.write(`import: ${p.done}/${p.total} (${counts(p)})\n`);
      }
    },
    finish() {
      if (tty && last) {
        draw(last);
        stream.write("\n");
      }
    },
  };
}
