import type { OrganizationStore } from "../../organizations/organization.store.ts";
import type { Organization } from "../../organizations/organization.ts";
import { ConflictError } from "../../shared/errors.ts";
import { keys } from "./keys.ts";
import type { Table } from "./table-client.ts";

export class DynamoOrganizationStore implements OrganizationStore {
  constructor(private readonly table: Table) {}

  async put(organization: Organization): Promise<void> {
    const created = await this.table.put(
      "organization",
      keys.organization(organization.id),
      organization,
      "attribute_not_exists(pk)",
    );
    if (!created) throw new ConflictError("organization_exists", `Organization ${organization.id} exists`);
  }
}
