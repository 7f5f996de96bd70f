import { createServices } from "../composition.ts";
import { loadConfig } from "../config.ts";
import { SqsDeadLetterQueue, sqsClient } from "./dead-letters.ts";
import { createEventsHandler } from "./events.ts";

const config = loadConfig();
if (!config.eventsDlqUrl) throw new Error("Invalid configuration: CONNVAULT_EVENTS_DLQ_URL: required");

/** The events Lambda: the table's DynamoDB stream → EventBridge, and the DLQ. Built once per container. */
export const handler = createEventsHandler(createServices(config), {
  deadLetters: new SqsDeadLetterQueue(sqsClient(config), config.eventsDlqUrl),
});
