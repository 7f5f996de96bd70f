import type { OAuthFlow } from "./oauth.ts";

export interface OAuthFlowStore {
  create(flow: OAuthFlow): Promise<void>;
  /** Removes and returns the flow: a second take of the same id gets null (single use). */
  take(id: string): Promise<OAuthFlow | null>;
  /** Marks a page link's nonce as used until `expiresAt` (epoch seconds); false if it already was. */
  usePageNonce(nonce: string, expiresAt: number): Promise<boolean>;
}

/**
 * The connect session an authorization was started from, as the callback needs it: who it is for
 * (the events' actor) and where the browser goes next. The connect folder implements it.
 */
export interface OAuthConnectSessions {
  get(id: string): Promise<{ owner: string; redirect_url: string | null } | null>;
  /** Uses the session up for the connection; false when it is no longer open. */
  useUp(id: string, connectionId: string): Promise<boolean>;
}
