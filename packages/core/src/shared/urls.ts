import { z } from "zod";

/** Loopback as a parsed host: 127.0.0.0/8 written as an IPv4 literal, `[::1]` or `localhost`. */
const isLoopback = (hostname: string) =>
  hostname === "localhost" || hostname === "[::1]" || /^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(hostname);

/**
 * What `secureUrl` accepts, as the OpenAPI document states it (a JSON Schema `pattern`): an https URL with a
 * DNS name, or http on a loopback address, with an optional port, path, query and fragment in RFC 3986's
 * characters (so it is also a `format: uri`). Every string it matches passes the checks below (a property test proves it); the checks are the
 * rule, the pattern is how clients and schemathesis learn it.
 */
export const SECURE_URL_PATTERN =
  "^(?:https://(?:[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\\.)*[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*" +
  "|http://(?:localhost|127(?:\\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}|\\[::1\\]))" +
  "(?::[0-9]{1,4})?" +
  "(?:/(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*)?" +
  "(?:\\?(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?" +
  "(?:#(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?$";

/** An absolute URL that is https, or http on a loopback address (local development), without userinfo. */
export const secureUrl = z
  .string()
  .max(2048)
  .refine(
    (value) => {
      if (!URL.canParse(value)) return false;
      const url = new URL(value);
      return url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname));
    },
    { message: "Must be an https URL, or http on a loopback address" },
  )
  .refine(
    (value) => !URL.canParse(value) || (new URL(value).username === "" && new URL(value).password === ""),
    {
      message: "Must not carry a user name or password",
    },
  )
  .meta({ format: "uri", pattern: SECURE_URL_PATTERN });
