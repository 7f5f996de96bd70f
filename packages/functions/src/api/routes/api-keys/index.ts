import type { App } from "../../env.ts";
import { registerCreateApiKey } from "./create-api-key.ts";
import { registerDeleteApiKey } from "./delete-api-key.ts";
import { registerListApiKeys } from "./list-api-keys.ts";

export const registerApiKeys = (app: App) => {
  registerCreateApiKey(app);
  registerListApiKeys(app);
  registerDeleteApiKey(app);
};
