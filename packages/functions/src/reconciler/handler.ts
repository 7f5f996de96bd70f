import { createReconcilerServices } from "../composition.ts";
import { loadConfig } from "../config.ts";
import { createReconcilerHandler } from "./reconciler.ts";

/** The reconciler Lambda: invoked hourly by EventBridge Scheduler. Built once per container. */
export const handler = createReconcilerHandler(createReconcilerServices(loadConfig()));
