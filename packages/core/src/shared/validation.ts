import type { core, output, ZodType } from "zod";
import { ValidationError } from "./errors.ts";

/**
 * Parses input with a zod schema, turning failures into a ValidationError whose details carry
 * field paths. Drivers other than HTTP (queues, custom resources) validate through this.
 */
export function parse<S extends ZodType>(schema: S, input: unknown): output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError("The request is invalid", fieldErrors(result.error.issues));
}

/** zod issues as `{path, code, message}`, one per field; an unknown key is reported at its own path. */
export function fieldErrors(issues: readonly core.$ZodIssue[]) {
  return issues.flatMap((issue) => {
    const at = (path: PropertyKey[]) => ({
      path: path.map(String).join("."),
      code: issue.code,
      message: issue.message,
    });
    return issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => at([...issue.path, key]))
      : [at(issue.path)];
  });
}
