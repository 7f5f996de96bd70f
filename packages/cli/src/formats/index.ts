import { isObject } from "../records.ts";
import { mapConnvault } from "./connvault.ts";
import { type ConnectorAuthTypes, mapNango } from "./nango.ts";
import type { MapResult } from "./request.ts";
import { mapUnified } from "./unified.ts";

/**
 * Input formats of `connvault import`: detecting a record's format, and mapping each record to one
 * connvault request. Nothing here prints, and no error message built here contains a value from a
 * record: records carry credentials.
 */

export type { ConnectorAuthTypes } from "./nango.ts";
export type { MapResult, PlannedRequest } from "./request.ts";

/** The formats `--format` names, each mapped by its own module. */
export const FORMATS = ["connvault", "unified", "nango"] as const;
/** One of {@link FORMATS}. */
export type Format = (typeof FORMATS)[number];

/** The format of a record, from the fields only that format has. */
export function detectFormat(value: unknown): Format | undefined {
  if (!isObject(value)) return undefined;
  if ("connector_id" in value) return "connvault";
  if ("integration_type" in value) return "unified";
  if ("connection_id" in value && ("provider_config_key" in value || "provider" in value)) return "nango";
  return undefined;
}

/** Maps one record; `keySecret` (the importer's API key) keys the Idempotency-Keys the CLI makes. */
export function mapRecord(
  format: Format,
  value: unknown,
  keySecret: string,
  authTypes?: ConnectorAuthTypes,
): MapResult {
  switch (format) {
    case "connvault":
      return mapConnvault(value, keySecret);
    case "unified":
      return mapUnified(value, keySecret);
    case "nango":
      return mapNango(value, keySecret, authTypes);
  }
}
