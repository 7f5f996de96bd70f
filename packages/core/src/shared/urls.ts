import { z } from "zod";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

const isLoopback = (hostname: string) => LOOPBACK_HOSTS.has(hostname) || hostname.startsWith("127.");

/** An absolute URL that is https, or http on a loopback address (local development). */
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
  );
