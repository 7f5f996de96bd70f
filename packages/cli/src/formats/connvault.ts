import { contentIdempotencyKey, IDEMPOTENCY_KEY } from "../idempotency.ts";
import { isObject } from "../records.ts";
import { CONNECTOR_ID, connectionsPath, type MapResult } from "./request.ts";

/** connvault JSONL: `{connector_id, idempotency_key?, ...the create body}`. */
export function mapConnvault(value: unknown, keySecret: string): MapResult {
  if (!isObject(value))
    return { ok: false, code: "invalid_record", reason: "a record must be a JSON object" };
  const { connector_id, idempotency_key, ...body } = value;
  if (typeof connector_id !== "string" || !CONNECTOR_ID.test(connector_id))
    return {
      ok: false,
      code: "invalid_record",
      reason: "connector_id is missing or not a connector id (1–64 of a-z, 0-9, _ and -)",
    };
  if (
    idempotency_key !== undefined &&
    (typeof idempotency_key !== "string" || !IDEMPOTENCY_KEY.test(idempotency_key))
  )
    return {
      ok: false,
      code: "invalid_record",
      reason: "idempotency_key must be 1–255 printable ASCII characters",
    };
  const idempotencyKey =
    idempotency_key ?? contentIdempotencyKey(keySecret, connectionsPath(connector_id), body);
  return { ok: true, request: { connectorId: connector_id, body, idempotencyKey } };
}
