import type { ApiKeyService } from "../api-keys/api-key.service.ts";
import type { ApiKey, Principal } from "../api-keys/api-key.ts";
import type { Clock } from "../shared/clock.ts";
import { ForbiddenError } from "../shared/errors.ts";
import { newId } from "../shared/ids.ts";
import type { OrganizationStore } from "./organization.store.ts";
import type { CreateOrganizationInput, Organization } from "./organization.ts";

export class OrganizationService {
  constructor(
    private readonly store: OrganizationStore,
    private readonly apiKeys: ApiKeyService,
    private readonly clock: Clock,
  ) {}

  /** Creates an organization and its first admin key (for a generated user id); root only. */
  async create(
    principal: Principal,
    input: CreateOrganizationInput,
  ): Promise<{ organization: Organization; adminKey: { apiKey: ApiKey; key: string } }> {
    if (principal.kind !== "root") throw new ForbiddenError("Only the root key may create organizations");
    const organization: Organization = {
      id: newId("org"),
      name: input.name,
      created_at: this.clock.now().toISOString(),
    };
    await this.store.put(organization);
    const adminKey = await this.apiKeys.issue(organization.id, { user_id: newId("usr"), role: "admin" });
    return { organization, adminKey };
  }
}
