import type { OrganizationStore } from "../../organizations/organization.store.ts";
import { Organization } from "../../organizations/organization.ts";
import { keys } from "./keys.ts";
import { NOT_EXISTS, type Table } from "./table.ts";

export class DynamoOrganizationStore implements OrganizationStore {
  constructor(private readonly table: Table) {}

  create(organization: Organization): Promise<boolean> {
    return this.table.put("organization", keys.organization(organization.id), organization, NOT_EXISTS);
  }

  get(id: string): Promise<Organization | null> {
    return this.table.get(Organization, keys.organization(id));
  }
}
