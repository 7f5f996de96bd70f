import type { ConnectionRecord } from "@connvault/core";
import type { Context } from "hono";
import type { AppEnv } from "./env.ts";

/** The public base URL: configured, or the origin the request came to. */
export const baseUrl = (c: Context<AppEnv>): string =>
  c.get("services").config.publicUrl ?? new URL(c.req.url).origin;

/** connector_page_url for a connection: a fresh signed link to the OAuth2 browser flow. */
export const pageUrls = (c: Context<AppEnv>) => {
  const base = baseUrl(c);
  const { oauth } = c.get("services");
  return (record: ConnectionRecord) => oauth.pageUrl(record, base);
};
