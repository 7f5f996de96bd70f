import type { Json } from "../records.ts";

/** What every format maps a record to: one connvault request, or why there is none. */

/**
 * One request to send for a record: `POST /v1/connectors/{connectorId}/connections`, or
 * `POST /unified/connection` when there is no `connectorId`.
 */
export interface PlannedRequest {
  connectorId?: string;
  body: Json;
  idempotencyKey: string;
}

/** A mapped record, or why it cannot be sent (`reason` names fields, never values). */
export type MapResult =
  | { ok: true; request: PlannedRequest }
  | { ok: false; code: "invalid_record" | "unmappable"; reason: string };

/** A connvault connector id: 1–64 of a-z, 0-9, _ and -, starting with a letter or digit. */
export const CONNECTOR_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** The route that creates a connection of `connectorId`, as the Idempotency-Keys the CLI makes cover it. */
export const connectionsPath = (connectorId: string) =>
  `/v1/connectors/${encodeURIComponent(connectorId)}/connections`;
