import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { type ConnectionEvent, EVENT_SOURCE, type EventPublisher } from "../../events/events.ts";
import { translateAwsError } from "../aws-errors.ts";

const BATCH = 10;

/** EventBridge PutEvents on the connvault bus, ten entries per call. */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: readonly ConnectionEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      const entries = events.slice(i, i + BATCH).map((event) => ({
        EventBusName: this.busName,
        Source: EVENT_SOURCE,
        DetailType: event.type,
        Detail: JSON.stringify(event.detail),
        Time: new Date(event.detail.occurred_at),
      }));
      let failed: number | undefined;
      try {
        ({ FailedEntryCount: failed } = await this.client.send(new PutEventsCommand({ Entries: entries })));
      } catch (error) {
        throw translateAwsError(error, "EventBridge");
      }
      if (failed) throw new Error(`EventBridge rejected ${failed} of ${entries.length} events`);
    }
  }
}
