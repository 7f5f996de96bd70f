/** Copies everything written to stdout and stderr (Powertools log lines included) until `restore()`. */
export function captureOutput(): { written: string[]; restore(): void } {
  const written: string[] = [];
  const original = { out: process.stdout.write, err: process.stderr.write };
  const capture =
    (stream: NodeJS.WriteStream, write: typeof process.stdout.write) =>
    (chunk: unknown, ...rest: unknown[]) => {
      written.push(String(chunk));
      return write.call(stream, chunk as string, ...(rest as []));
    };
  process.stdout.write = capture(process.stdout, original.out) as typeof process.stdout.write;
  process.stderr.write = capture(process.stderr, original.err) as typeof process.stderr.write;
  return {
    written,
    restore() {
      process.stdout.write = original.out;
      process.stderr.write = original.err;
    },
  };
}
