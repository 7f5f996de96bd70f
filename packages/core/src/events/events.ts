import type { Actor, ConnectionRecord } from "../connections/connection.ts";

export const EVENT_SOURCE = "connvault";

export type ConnectionEventType =
  | "connection.created"
  | "connection.updated"
  | "connection.credentials_rotated"
  | "connection.authorized"
  | "connection.health_changed"
  | "connection.deleted"
  | "connection.provisioning_failed";

/** One event on the bus: `detail-type` and the detail, which never holds a credential. */
export interface ConnectionEvent {
  type: ConnectionEventType;
  detail: {
    event_id: string;
    occurred_at: string;
    organization_id: string;
    /** Who caused it; null when the table cannot tell (a delete). */
    actor: Actor | null;
    connection: unknown;
    [extra: string]: unknown;
  };
}

/**
 * The lifecycle event a change of a connection item stands for, from its images before and after
 * (the table's stream, NEW_AND_OLD_IMAGES). A health report that changes nothing yields none.
 */
export function connectionEventType(
  before: ConnectionRecord | null,
  after: ConnectionRecord | null,
): ConnectionEventType | null {
  if (!after) return before ? "connection.deleted" : null;
  if (!before) return "connection.created";
  switch (after.last_change.type) {
    case "created":
      return null;
    case "updated":
      return "connection.updated";
    case "credentials_rotated":
      return "connection.credentials_rotated";
    case "authorized":
      return "connection.authorized";
    case "health_reported":
      return before.status !== after.status || before.health !== after.health
        ? "connection.health_changed"
        : null;
  }
}

/** Publishes events; throws unless every one was accepted, so the caller can retry. */
export interface EventPublisher {
  publish(events: readonly ConnectionEvent[]): Promise<void>;
}
