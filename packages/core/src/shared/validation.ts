import { type core, type output, type ZodType, z } from "zod";
import { type DomainError, protoKeyErrors, ValidationError } from "./errors.ts";
import {
  HEADER_NAME_RULE,
  knownKeysOf,
  unknownField,
  validationMessage,
  WRITE_ONLY,
} from "./validation-messages.ts";

// Every driver (HTTP, queues, custom resources, the connect page) reads zod's messages through this
// module, so the error map is set here once; a schema's own message still wins over it. core is
// `sideEffects: false`, so the call lives in the module whose exports those drivers import.
z.config({ customError: validationMessage });

/**
 * Parses input with a zod schema, turning failures into a ValidationError whose details carry
 * field paths. Drivers other than HTTP (queues, custom resources) validate through this.
 */
export function parse<S extends ZodType>(schema: S, input: unknown): output<S> {
  const proto = protoKeyErrors(input);
  if (proto.length > 0) throw new ValidationError(validationSummary(proto), proto);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors = fieldErrors(result.error.issues);
  throw new ValidationError(validationSummary(errors), errors);
}

/**
 * A problem's `detail` for field errors: the first one, and how many more there are ("name is
 * required (and 2 more problems)"). connvault's messages start with the field in lower case; a
 * schema's own message ("Must be an https URL…") does not name its field, so it gets the path in front.
 */
export function validationSummary(errors: DomainError["details"]): string {
  const [first] = errors;
  if (!first) return "The request is invalid";
  const named = /^[a-z_]/.test(first.message);
  const text = first.path && !named ? `${first.path}: ${first.message}` : first.message;
  const more = errors.length - 1;
  return more > 0 ? `${text} (and ${more} more problem${more === 1 ? "" : "s"})` : text;
}

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
        if (issue.code === "invalid_key") return [at([root], HEADER_NAME_RULE)];
        return [at([root], issue.code === "unrecognized_keys" ? "unknown field in headers" : issue.message)];
      }
      if (issue.code === "unrecognized_keys") return [at(issue.path, `unknown field in ${root}`)];
      // A record's invalid key is the issue's last path segment: the path stops at the record.
      if (issue.code === "invalid_key") {
        return [
          at(issue.origin === "record" ? issue.path.slice(0, -1) : issue.path, `invalid key in ${root}`),
        ];
      }
    }
    if (issue.code !== "unrecognized_keys") return [at(issue.path)];
    const known = knownKeysOf(issue);
    return issue.keys.map((key) => at([...issue.path, key], unknownField(key, known)));
  });
}
