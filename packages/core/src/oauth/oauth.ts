import { z } from "zod";

/** How long a browser has to finish an authorization, and how long a connector_page_url stays valid. */
export const OAUTH_FLOW_TTL_MS = 10 * 60 * 1000;

/** The longest token lifetime believed; a longer `expires_in` is capped to it. */
export const MAX_EXPIRES_IN_SECONDS = 10 * 365 * 24 * 3600;

/** One browser authorization in progress; its id is the `state` sent to the provider. Single use. */
export const OAuthFlow = z.object({
  id: z.string(),
  organization_id: z.string(),
  connection_id: z.string(),
  code_verifier: z.string(),
  redirect_uri: z.string(),
  /** SHA-256 of the cookie set on the browser that started the flow; the callback must present it. */
  browser_hash: z.string(),
  /** Started from `POST …/authorize`: may replace the token of a connection that is no longer pending. */
  reauthorize: z.boolean(),
  /** The connect session the authorization was started from: the callback uses it up. */
  connect_session_id: z.string().nullable().default(null),
  /** That page is in a pop-up: the callback ends on the page that messages its opener. */
  connect_popup: z.boolean().default(false),
  /** Epoch seconds; also the table's TTL attribute. */
  expires_at: z.number(),
});
export type OAuthFlow = z.infer<typeof OAuthFlow>;

/** What a token endpoint answers (RFC 6749 §5.1); other fields are ignored. */
export const TokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce
    .number()
    .positive()
    .transform((seconds) => Math.min(seconds, MAX_EXPIRES_IN_SECONDS))
    .optional(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;
