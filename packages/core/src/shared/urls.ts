import { z } from "zod";

/** Loopback as a parsed host: 127.0.0.0/8 written as an IPv4 literal, `[::1]` or `localhost`. */
const isLoopback = (hostname: string) =>
  hostname === "localhost" || hostname === "[::1]" || /^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(hostname);

const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const PORT = "(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4}))?";
/** A DNS name whose last label is not a number (else URL parsing reads an IPv4 address), or an IPv4 address. */
const HTTPS_HOST = `(?:(?:[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*\\.)*[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*|${OCTET}(?:\\.${OCTET}){3})`;
const LOOPBACK_HOST = `(?:localhost|127(?:\\.${OCTET}){3}|\\[::1\\])`;
const PCHAR = "(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})";

/**
 * The form `secureUrl` accepts, stated in the OpenAPI document as a JSON Schema `pattern` and checked
 * as well: an https URL with a DNS name or IPv4 address, or http on a loopback address, with an
 * optional port, path, query and fragment in RFC 3986's characters (so it is also a `format: uri`).
 * A property test proves every string it matches passes the other checks too.
 */
export const SECURE_URL_PATTERN =
  `^(?:https://${HTTPS_HOST}|http://${LOOPBACK_HOST})${PORT}` +
  `(?:/(?:${PCHAR}|/)*)?(?:\\?(?:${PCHAR}|[/?])*)?(?:#(?:${PCHAR}|[/?])*)?$`;

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
  .regex(
    new RegExp(SECURE_URL_PATTERN),
    "Must be a plain absolute URL: a host name or IPv4 address, then RFC 3986's characters (percent-encode others)",
  );
