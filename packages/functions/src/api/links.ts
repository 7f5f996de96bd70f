import type { ConnectionRecord } from "@connvault/core";
import type { Context } from "hono";
import type { AppEnv } from "./env.ts";

/** The public base URL: configured, or the origin the request came to. */
export const baseUrl = (c: Context<AppEnv>): string =>
  c.get("services").config.publicUrl ?? new URL(c.req.url).origin;

/** connector_page_url as the caller sees it: a fresh single-use link if they may change the connection, else null. */
export const pageUrls = (c: Context<AppEnv>) => {
  const base = baseUrl(c);
  const { oauthLinks } = c.get("services");
  const caller = c.get("principal");
  return (record: ConnectionRecord) => oauthLinks.pageUrl(caller, record, base);
};
