import { z } from "zod";
import type { OAuthFlowStore } from "../../oauth/oauth.store.ts";
import { OAuthFlow } from "../../oauth/oauth.ts";
import type { CredentialReadStore, LeaseStore } from "../../resolver/resolver.store.ts";
import { CredentialRead } from "../../resolver/resolver.ts";
import type { Clock } from "../../shared/clock.ts";
import { keys } from "./keys.ts";
import { NOT_EXISTS, parseItem, type Table } from "./table-client.ts";

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

const Lease = z.object({ owner: z.string() });

export class DynamoLeaseStore implements LeaseStore {
  constructor(
    private readonly table: Table,
    private readonly clock: Clock,
  ) {}

  acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now().getTime();
    return this.table.put(
      "lease",
      keys.lease(name),
      { owner, expires_ms: now + ttlMs, expires_at: Math.ceil((now + ttlMs) / 1000) },
      { expression: "attribute_not_exists(pk) OR expires_ms < :now", values: { ":now": now } },
    );
  }

  async release(name: string, owner: string): Promise<void> {
    await this.table.delete(Lease, keys.lease(name), {
      expression: "#owner = :owner",
      names: { "#owner": "owner" },
      values: { ":owner": owner },
    });
  }
}

export class DynamoCredentialReadStore implements CredentialReadStore {
  constructor(private readonly table: Table) {}

  async record(read: CredentialRead): Promise<void> {
    await this.table.put(
      "credential_read",
      keys.credentialRead(read.organization_id, read.at, read.id),
      read,
    );
  }

  async list(organizationId: string, query: { connectionId?: string; limit: number; after?: string }) {
    const { pk, sk } = keys.credentialRead(organizationId);
    const page = await this.table.query({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ...(query.connectionId
        ? {
            FilterExpression: "connection_id = :connection",
            ExpressionAttributeValues: { ":pk": pk, ":prefix": sk, ":connection": query.connectionId },
          }
        : { ExpressionAttributeValues: { ":pk": pk, ":prefix": sk } }),
      ScanIndexForward: false,
      Limit: query.limit,
      ...(query.after ? { ExclusiveStartKey: { pk, sk: query.after } } : {}),
    });
    const items = (page.Items ?? []).map((item) => parseItem(CredentialRead, item));
    return { items, last: page.LastEvaluatedKey ? String(page.LastEvaluatedKey.sk) : null };
  }
}
