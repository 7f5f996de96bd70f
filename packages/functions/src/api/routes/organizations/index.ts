import type { App } from "../../env.ts";
import { registerCreateOrganization } from "./create-organization.ts";

export const registerOrganizations = (app: App) => {
  registerCreateOrganization(app);
};
