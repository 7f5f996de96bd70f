import { randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import { type AwsJsonResponse, AwsServiceError, ok } from "./aws-json.ts";

export interface SinkEvent {
  id: string;
  time: string;
  source: string;
  detail_type: string;
  event_bus_name: string;
  detail: unknown;
}

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
}

/**
 * EventBridge `PutEvents` stand-in: keeps every event in memory and, when given a file, appends it
 * there as one JSON line so a developer can `tail -f` what connvault published.
 */
export class EventSink {
  /** The most recent events (at most MAX_KEPT), for tests and tools; the file keeps them all. */
  readonly events: SinkEvent[] = [];
  static readonly MAX_KEPT = 10_000;

  constructor(private readonly file?: string) {}

  handle(operation: string, input: { Entries?: PutEventsEntry[] }): AwsJsonResponse {
    if (operation !== "PutEvents") {
      throw new AwsServiceError("UnknownOperationException", `Operation ${operation} is not supported`);
    }
    const entries = input.Entries ?? [];
    if (entries.length < 1 || entries.length > 10) {
      throw new AwsServiceError("ValidationException", "Entries must hold between 1 and 10 events");
    }
    const results = entries.map((entry) => {
      const event: SinkEvent = {
        id: randomUUID(),
        time: new Date().toISOString(),
        source: entry.Source ?? "",
        detail_type: entry.DetailType ?? "",
        event_bus_name: entry.EventBusName ?? "default",
        detail: JSON.parse(entry.Detail ?? "{}"),
      };
      this.events.push(event);
      if (this.events.length > EventSink.MAX_KEPT)
        this.events.splice(0, this.events.length - EventSink.MAX_KEPT);
      if (this.file) appendFileSync(this.file, `${JSON.stringify(event)}\n`);
      return { EventId: event.id };
    });
    return ok({ FailedEntryCount: 0, Entries: results });
  }
}
