import { createReconcilerServices } from "../composition.ts";
import { loadConfig } from "../config.ts";
import { createReconciler } from "./reconciler.ts";

/** The reconciler Lambda: invoked hourly by EventBridge Scheduler. Built once per container. */
export const handler = createReconciler(createReconcilerServices(loadConfig()));
