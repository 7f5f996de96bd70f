import type { App } from "../../env.ts";
import { registerCreateConnection } from "./create-connection.ts";
import { registerGetConnection } from "./get-connection.ts";
import { registerListConnections } from "./list-connections.ts";

export const registerConnections = (app: App) => {
  registerCreateConnection(app);
  registerListConnections(app);
  registerGetConnection(app);
};
