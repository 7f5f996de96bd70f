import type { App } from "../../env.ts";
import { registerAuthorizeConnection } from "./authorize-connection.ts";
import { registerCreateConnection } from "./create-connection.ts";
import { registerDeleteConnection } from "./delete-connection.ts";
import { registerGetConnection } from "./get-connection.ts";
import { registerListConnections } from "./list-connections.ts";
import { registerReportHealth } from "./report-health.ts";
import { registerRotateCredentials } from "./rotate-credentials.ts";
import { registerUpdateConnection } from "./update-connection.ts";

export const registerConnections = (app: App) => {
  registerCreateConnection(app);
  registerListConnections(app);
  registerGetConnection(app);
  registerUpdateConnection(app);
  registerRotateCredentials(app);
  registerReportHealth(app);
  registerAuthorizeConnection(app);
  registerDeleteConnection(app);
};
