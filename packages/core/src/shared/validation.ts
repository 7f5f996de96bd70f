import type { core, output, ZodType } from "zod";
import { protoKeyErrors, ValidationError } from "./errors.ts";

/**
 * Parses input with a zod schema, turning failures into a ValidationError whose details carry
 * field paths. Drivers other than HTTP (queues, custom resources) validate through this.
 */
export function parse<S extends ZodType>(schema: S, input: unknown): output<S> {
  const proto = protoKeyErrors(input);
  if (proto.length > 0) throw new ValidationError("The request is invalid", proto);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError("The request is invalid", fieldErrors(result.error.issues));
}

/** Write-only objects whose key names may be credentials pasted in the wrong place. */
const WRITE_ONLY = new Set(["security", "headers", "auth"]);

/**
 * zod issues as `{path, code, message}`, one per field; an unknown key is reported at its own path,
 * except inside write-only objects: there the path stops at the object and no key name is echoed.
 */
export function fieldErrors(issues: readonly core.$ZodIssue[]) {
  return issues.flatMap((issue) => {
    const at = (path: PropertyKey[], message = issue.message) => ({
      path: path.map(String).join("."),
      code: issue.code,
      message,
    });
    const root = String(issue.path[0]);
    if (WRITE_ONLY.has(root)) {
      if (root === "headers") {
        const inner = issue.code === "invalid_key" ? issue.issues[0]?.message : undefined;
        return [
          at(
            [root],
            inner ?? (issue.code === "unrecognized_keys" ? "unknown field in headers" : issue.message),
          ),
        ];
      }
      if (issue.code === "unrecognized_keys") return [at(issue.path, `unknown field in ${root}`)];
      if (issue.code === "invalid_key") return [at(issue.path, `invalid key in ${root}`)];
    }
    return issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => at([...issue.path, key]))
      : [at(issue.path)];
  });
}
