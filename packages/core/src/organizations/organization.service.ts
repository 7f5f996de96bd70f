import type { ApiKeyService, IssuedKey } from "../api-keys/api-key.service.ts";
import type { Principal } from "../api-keys/api-key.ts";
import type { Clock } from "../shared/clock.ts";
import { ForbiddenError } from "../shared/errors.ts";
import { deterministicId, IdempotencyKeyReusedError, type Replayable } from "../shared/idempotency.ts";
import { newId } from "../shared/ids.ts";
import type { OrganizationStore } from "./organization.store.ts";
import type { CreateOrganizationInput, Organization } from "./organization.ts";

export class OrganizationService {
  constructor(
    private readonly store: OrganizationStore,
    private readonly apiKeys: ApiKeyService,
    private readonly clock: Clock,
  ) {}

  /**
   * Creates an organization and its first admin key (for a generated user id); root only. With an
   * Idempotency-Key every id is a function of the key, so a retry completes or replays the same one.
   */
  async create(
    principal: Principal,
    input: CreateOrganizationInput,
    idempotencyKey?: string,
  ): Promise<Replayable<{ organization: Organization; adminKey: IssuedKey }>> {
    if (principal.kind !== "root") throw new ForbiddenError("Only the root key may create organizations");
    const id = idempotencyKey ? this.apiKeys.derivedId("org", "organization", idempotencyKey) : newId("org");
    let organization: Organization = { id, name: input.name, created_at: this.clock.now().toISOString() };
    const created = await this.store.create(organization);
    if (!created) {
      const existing = await this.store.get(id);
      if (!existing || existing.name !== input.name) throw new IdempotencyKeyReusedError();
      organization = existing;
    }
    const admin = await this.apiKeys.issue(
      id,
      { user_id: idempotencyKey ? deterministicId("usr", id, "admin") : newId("usr"), role: "admin" },
      idempotencyKey && `organization:${idempotencyKey}`,
    );
    return { result: { organization, adminKey: admin.result }, replayed: !created };
  }
}
