import { createServices } from "../composition.ts";
import { loadConfig } from "../config.ts";
import { createEventsHandler } from "./events.ts";

/** The events Lambda: the table's DynamoDB stream → EventBridge. Built once per container. */
export const handler = createEventsHandler(createServices(loadConfig()));
