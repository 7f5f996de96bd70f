import type { OAuthFlow } from "./oauth.ts";

export interface OAuthFlowStore {
  create(flow: OAuthFlow): Promise<void>;
  /** Removes and returns the flow: a second take of the same id gets null (single use). */
  take(id: string): Promise<OAuthFlow | null>;
  /** Marks a page link's nonce as used until `expiresAt` (epoch seconds); false if it already was. */
  usePageNonce(nonce: string, expiresAt: number): Promise<boolean>;
}
