import { z } from "zod";
import type { SecretClaim, SecretClaimStore } from "../../connections/connection.store.ts";
import { keys } from "./keys.ts";
import type { Table } from "./table.ts";

const Claim = z.object({ arn: z.string(), connection_id: z.string(), claimed_at: z.string() });

/** Adoption claims: `ADOPTED#<arn>` items in the organization's partition, written conditionally. */
export class DynamoSecretClaimStore implements SecretClaimStore {
  constructor(private readonly table: Table) {}

  /* The condition admits only a free slot or one this connection (or the stale holder it replaces) has. */
  claim(organizationId: string, claim: SecretClaim, replacing?: string): Promise<boolean> {
    return this.table.put("secret_claim", keys.secretClaim(organizationId, claim.arn), claim, {
      expression: `attribute_not_exists(pk) OR #holder = :mine${replacing ? " OR #holder = :stale" : ""}`,
      names: { "#holder": "connection_id" },
      values: { ":mine": claim.connection_id, ...(replacing ? { ":stale": replacing } : {}) },
    });
  }

  get(organizationId: string, arn: string): Promise<SecretClaim | null> {
    // It decides whether a claim is taken over: strongly consistent, like every read that decides a write.
    return this.table.get(Claim, keys.secretClaim(organizationId, arn), { consistent: true });
  }

  async release(organizationId: string, arn: string, connectionId: string): Promise<void> {
    await this.table.delete(Claim, keys.secretClaim(organizationId, arn), {
      expression: "#holder = :mine",
      names: { "#holder": "connection_id" },
      values: { ":mine": connectionId },
    });
  }
}
