import type { Organization } from "./organization.ts";

export interface OrganizationStore {
  /** Inserts a new organization; false when one with the same id exists. */
  create(organization: Organization): Promise<boolean>;
  get(id: string): Promise<Organization | null>;
}
