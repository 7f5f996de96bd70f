import { z } from "zod";

/** Loopback as a parsed host: 127.0.0.0/8 written as an IPv4 literal, `[::1]` or `localhost`. */
const isLoopback = (hostname: string) =>
  hostname === "localhost" || hostname === "[::1]" || /^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(hostname);

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
  );
