/**
 * Reading an import file into records, each with the line it starts on, so failures can name the
 * line. Nothing here prints, and no error message built here contains a value from the file: records
 * carry credentials.
 */

/** A JSON object, as a record (or part of one) is read. */
export type Json = Record<string, unknown>;

/** Whether `value` is a JSON object (not an array, not null). */
export const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** One record of the input file, parsed or not. `line` is 1-based: where the record starts. */
export interface SourceRecord {
  /** 0-based position among the file's records. */
  index: number;
  line: number;
  value?: unknown;
  /** Set when this record is not valid JSON (JSONL only: a broken JSON array fails as a whole). */
  invalid?: true;
}

/** A file that cannot be read as records at all (not a record-level failure). */
export class InputError extends Error {
  override readonly name = "InputError";
}

/** The 1-based line of a character offset. */
function lineAt(text: string, offset: number, from = { offset: 0, line: 1 }): number {
  let line = from.line;
  for (let i = from.offset; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Where each top-level element of a (valid) JSON array starts, as character offsets. */
function arrayElementOffsets(text: string): number[] {
  const offsets: number[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") continue;
    if (depth === 1 && expectElement && ch !== "]") {
      offsets.push(i);
      expectElement = false;
    }
    if (ch === '"') inString = true;
    else if (ch === "[" || ch === "{") {
      depth++;
      if (depth === 1) expectElement = true;
    } else if (ch === "]" || ch === "}") depth--;
    else if (ch === "," && depth === 1) expectElement = true;
  }
  return offsets;
}

/** A JSON parse error's position, without the text around it (which may be a credential). */
function parseErrorLine(text: string, error: unknown): string {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : "")?.[1];
  return position === undefined ? "" : ` (line ${lineAt(text, Number(position))})`;
}

/**
 * Reads a file's text as records: a JSON array (one record per element), a single JSON object, or
 * JSONL (one JSON object per line; blank lines are skipped).
 */
export function readRecords(input: string): SourceRecord[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const first = text.trimStart()[0];
  if (first === undefined) return [];
  if (first === "[") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new InputError(
        `the file starts with "[" but is not a valid JSON array${parseErrorLine(text, error)}`,
      );
    }
    const elements = parsed as unknown[];
    const offsets = arrayElementOffsets(text);
    let cursor = { offset: 0, line: 1 };
    return elements.map((value, index) => {
      const offset = offsets[index] ?? 0;
      cursor = { offset, line: lineAt(text, offset, cursor) };
      return { index, line: cursor.line, value };
    });
  }
  const lines = text.split("\n");
  const records: SourceRecord[] = [];
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "") continue;
    try {
      records.push({ index: records.length, line: i + 1, value: JSON.parse(line) });
    } catch {
      records.push({ index: records.length, line: i + 1, invalid: true });
    }
  }
  // One pretty-printed object is one record, not a broken JSONL file.
  if (first === "{" && records.length > 1 && records[0]?.invalid) {
    try {
      const whole: unknown = JSON.parse(text);
      if (isObject(whole)) return [{ index: 0, line: lineAt(text, text.indexOf("{")), value: whole }];
    } catch {
      // JSONL with a broken line: reported per record.
    }
  }
  return records;
}
