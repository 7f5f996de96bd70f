import type { Organization } from "./organization.ts";

export interface OrganizationStore {
  put(organization: Organization): Promise<void>;
}
