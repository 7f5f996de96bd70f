import { createEventsServices } from "../composition.ts";
import { loadConfig } from "../config.ts";
import { SqsDeadLetterQueue, sqsClient } from "./dead-letters.ts";
import { createEventsHandler } from "./events.ts";

const config = loadConfig();
const services = createEventsServices(config);
// Without a DLQ (the stacks always set one), a record the function gives up on stays a batch item
// failure, and the mapping's maximum record age sends its coordinates to the on-failure destination.
if (!config.eventsDlqUrl)
  services.logger.warn("CONNVAULT_EVENTS_DLQ_URL is not set: no record goes to a DLQ whole");

/** The events Lambda: the table's DynamoDB stream → EventBridge, and the DLQ. Built once per container. */
export const handler = createEventsHandler(
  services,
  config.eventsDlqUrl ? { deadLetters: new SqsDeadLetterQueue(sqsClient(config), config.eventsDlqUrl) } : {},
);
