import { contentIdempotencyKey } from "../idempotency.ts";
import { isObject, type Json } from "../records.ts";
import type { MapResult } from "./request.ts";

/**
 * unified.to Connection fields that `POST /unified/connection` stores. Everything else in an export
 * is dropped: read-only fields (`id`, `created_at`, `updated_at`, `workspace_id`, `last_healthy_at`,
 * `last_unhealthy_at`, `last_unhealthy_code`), references to other vaults (`auth_azure_keyvault_id`,
 * `auth_gcp_secret_name`, `auth_hashi_vault_path`, `secretsmanager_id`, `secretsmanager_key`), and
 * fields connvault does not know. Mirrors `UnifiedConnectionInput` in packages/core.
 */
export const UNIFIED_WRITABLE_FIELDS = [
  "integration_type",
  "integration_name",
  "permissions",
  "categories",
  "external_xref",
  "environment",
  "is_paused",
  "auth",
  "auth_aws_arn",
] as const;

/** unified.to export: Connection objects → `POST /unified/connection`. */
export function mapUnified(value: unknown, keySecret: string): MapResult {
  if (!isObject(value))
    return { ok: false, code: "invalid_record", reason: "a record must be a JSON object" };
  if (typeof value.integration_type !== "string" || value.integration_type === "")
    return { ok: false, code: "invalid_record", reason: "integration_type is missing" };
  const body: Json = {};
  for (const field of UNIFIED_WRITABLE_FIELDS) if (value[field] !== undefined) body[field] = value[field];
  const sourceId = typeof value.id === "string" ? value.id : undefined;
  const idempotencyKey = contentIdempotencyKey(keySecret, "/unified/connection", body, sourceId);
  return { ok: true, request: { body, idempotencyKey } };
}
