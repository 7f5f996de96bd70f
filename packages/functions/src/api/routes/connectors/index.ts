import type { App } from "../../env.ts";
import { registerGetConnector } from "./get-connector.ts";
import { registerListConnectors } from "./list-connectors.ts";
import { registerPutConnector } from "./put-connector.ts";

export const registerConnectors = (app: App) => {
  registerListConnectors(app);
  registerGetConnector(app);
  registerPutConnector(app);
};
