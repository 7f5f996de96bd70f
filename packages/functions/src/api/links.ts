import type { Context } from "hono";
import type { AppEnv } from "./env.ts";

/** The public base URL: configured, or the origin the request came to. */
export const baseUrl = (c: Context<AppEnv>): string =>
  c.get("services").config.publicUrl ?? new URL(c.req.url).origin;
