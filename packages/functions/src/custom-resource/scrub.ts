import type { CloudFormationCustomResourceEvent } from "aws-lambda";
import { isObject } from "./properties.ts";

/**
 * Keeping a request's credentials out of reasons and logs. Reasons and log lines are built from
 * error codes, messages and property paths only; this is the second line, for an error message that
 * ever quotes a value.
 */

/**
 * The credential values a request carries, longest first (so a secret that contains another is
 * replaced whole). The discriminator and the header name are not secret.
 */
export function credentialValues(event: CloudFormationCustomResourceEvent): string[] {
  const values = new Set<string>();
  const collect = (value: unknown, key = "") => {
    if (typeof value === "string") {
      if (value.length >= 4 && key !== "authMethod" && key !== "headerName") values.add(value);
    } else if (Array.isArray(value)) for (const item of value) collect(item);
    else if (isObject(value)) for (const [k, item] of Object.entries(value)) collect(item, k);
  };
  const old = event.RequestType === "Update" ? event.OldResourceProperties : undefined;
  for (const properties of [event.ResourceProperties, old]) {
    if (!isObject(properties)) continue;
    collect(properties.Security);
    if (isObject(properties.Headers)) for (const value of Object.values(properties.Headers)) collect(value);
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/** `text` with every one of `secrets` replaced by `[REDACTED]`. */
export const scrub = (text: string, secrets: string[]) =>
  secrets.reduce((result, secret) => result.replaceAll(secret, "[REDACTED]"), text);

/** A copy of `error` fit to log: message and stack scrubbed, name kept. */
export function scrubError(error: unknown, secrets: string[]): Error {
  if (!(error instanceof Error)) return new Error(scrub(String(error), secrets));
  const copy = new Error(scrub(error.message, secrets));
  copy.name = error.name;
  copy.stack = scrub(error.stack ?? "", secrets);
  return copy;
}
