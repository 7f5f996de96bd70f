import type { App } from "../../env.ts";
import { registerGetConnector } from "./get-connector.ts";
import { registerListConnectors } from "./list-connectors.ts";

export const registerConnectors = (app: App) => {
  registerListConnectors(app);
  registerGetConnector(app);
};
