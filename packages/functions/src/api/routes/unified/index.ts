import type { App } from "../../env.ts";
import { registerCreateUnifiedConnection } from "./create-connection.ts";
import { registerDeleteUnifiedConnection } from "./delete-connection.ts";
import { registerGetUnifiedConnection } from "./get-connection.ts";
import { registerListUnifiedConnections } from "./list-connections.ts";
import { registerUpdateUnifiedConnection } from "./update-connection.ts";

/** unified.to's Connection API, so a client built for it works with a connvault key as its token. */
export const registerUnified = (app: App) => {
  registerCreateUnifiedConnection(app);
  registerListUnifiedConnections(app);
  registerGetUnifiedConnection(app);
  registerUpdateUnifiedConnection(app);
  registerDeleteUnifiedConnection(app);
};
