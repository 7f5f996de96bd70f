import type { OAuthFlowStore } from "../../oauth/oauth.store.ts";
import { OAuthFlow } from "../../oauth/oauth.ts";
import { keys } from "./keys.ts";
import { NOT_EXISTS, type Table } from "./table.ts";

export class DynamoOAuthFlowStore implements OAuthFlowStore {
  constructor(private readonly table: Table) {}

  async create(flow: OAuthFlow): Promise<void> {
    await this.table.put("oauth_flow", keys.oauthFlow(flow.id), flow, NOT_EXISTS);
  }

  /** A conditional delete that returns the item: only one caller ever gets a given flow. */
  take(id: string): Promise<OAuthFlow | null> {
    return this.table.delete(OAuthFlow, keys.oauthFlow(id), {
      expression: "attribute_exists(pk) AND #entity = :flow",
      names: { "#entity": "entity" },
      values: { ":flow": "oauth_flow" },
    });
  }

  /** Marks a page link's nonce used; false when it already was (each link is single use). */
  usePageNonce(nonce: string, expiresAt: number): Promise<boolean> {
    return this.table.put(
      "oauth_page_nonce",
      keys.oauthPageNonce(nonce),
      { expires_at: expiresAt },
      NOT_EXISTS,
    );
  }
}
