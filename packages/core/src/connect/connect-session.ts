import { createHmac } from "node:crypto";
import { z } from "zod";
import { role, userId } from "../api-keys/api-key.ts";
import { accessScope, metadata } from "../connections/connection.ts";
import { connectorId } from "../connectors/connector.ts";
import { hmacKey } from "../shared/hmac-key.ts";
import { secureUrl } from "../shared/urls.ts";

/** How long a connect session stays usable after it is created. */
export const CONNECT_SESSION_TTL_MS = 30 * 60 * 1000;
/** How long the table keeps a session after it expires, so its page and `GET` can still say so. */
export const CONNECT_SESSION_RETENTION_MS = 7 * 24 * 3600 * 1000;

export const CreateConnectSessionInput = z.strictObject({
  owner: userId.meta({
    description: "Who the connection will belong to: yourself, or (admins) any user of the organization",
  }),
  allowed_connectors: z
    .array(connectorId)
    .min(1)
    .max(50)
    .optional()
    .meta({ description: "The connectors the page offers; all of the catalog when omitted" }),
  access_scope: accessScope
    .default("personal")
    .meta({ description: "The access scope of the connection the page creates" }),
  connection_id: z.string().min(1).max(64).optional().meta({
    description:
      "Reconnect this connection in place (new credentials, or a new OAuth2 authorization) instead of creating one; you must be allowed to change it",
  }),
  redirect_url: secureUrl.optional().meta({
    description:
      "Where the browser lands after connecting, with connection_id and status=connected added to its query; a success page when omitted",
  }),
  metadata: metadata
    .default({})
    .meta({ description: "Your own key/value pairs, copied to the connection the page creates" }),
});
export type CreateConnectSessionInput = z.input<typeof CreateConnectSessionInput>;
export type ValidCreateConnectSessionInput = z.output<typeof CreateConnectSessionInput>;

export const connectSessionStatus = z.enum(["open", "used", "revoked", "expired"]).meta({
  description:
    "open until the page makes its connection (used), the session is revoked, or its 30 minutes pass (expired)",
});
export type ConnectSessionStatus = z.infer<typeof connectSessionStatus>;

/** A connect session as stored: the token only as a keyed hash. */
export const ConnectSessionRecord = z.object({
  id: z.string(),
  organization_id: z.string(),
  owner: z.string(),
  allowed_connectors: z.array(z.string()).nullable(),
  access_scope: accessScope,
  /** The connection to reconnect, or the one the page made. */
  connection_id: z.string().nullable(),
  reconnect: z.boolean(),
  redirect_url: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  status: z.enum(["open", "used", "revoked"]),
  token_hash: z.string(),
  /** Who opened it: the page acts with their rights, for `owner`. */
  created_by: z.object({ user_id: z.string(), role, api_key_id: z.string() }),
  /** The request that created it, for Idempotency-Key replays. */
  fingerprint: z.string(),
  created_at: z.string(),
  /** ISO-8601: the end of the session's 30 minutes. */
  valid_until: z.string(),
  /** Epoch seconds: the table's TTL attribute (a week after `valid_until`). */
  expires_at: z.number(),
});
export type ConnectSessionRecord = z.infer<typeof ConnectSessionRecord>;

/** A session's status at `now`: stored, but an open one past its time is expired. */
export const sessionStatus = (session: ConnectSessionRecord, now: Date): ConnectSessionStatus =>
  session.status === "open" && Date.parse(session.valid_until) <= now.getTime() ? "expired" : session.status;

/**
 * An HMAC under the connect-session key, one `label` per use: the token's stored hash ("hash"), the
 * token issued under an Idempotency-Key ("token"), the page's CSRF value ("csrf").
 */
export const sessionMac = (key: Buffer | undefined, label: string, value: string): string =>
  createHmac("sha256", hmacKey(key, "connect-session")).update(`${label}\n${value}`).digest("base64url");

/** What the page's form sends for each auth type it asks a person for. */
export const ConnectForm = z.discriminatedUnion("auth_type", [
  z.object({ auth_type: z.literal("api_key"), api_key: z.string() }),
  z.object({ auth_type: z.literal("basic"), username: z.string(), password: z.string() }),
  z.object({ auth_type: z.literal("bearer"), token: z.string() }),
  z.object({ auth_type: z.literal("oauth2") }),
]);
export type ConnectForm = z.infer<typeof ConnectForm>;
