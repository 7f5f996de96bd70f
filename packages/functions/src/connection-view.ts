import { type ConnectionRecord, etagOf } from "@connvault/core";

/**
 * The public view of a connection, shared by the api's responses and the events function's lifecycle
 * events. It is built from the record, which holds no credential value; `pageUrl` decides who gets a
 * connector_page_url (events pass `() => null`).
 */
export function toConnectionDto(
  record: ConnectionRecord,
  pageUrl: (record: ConnectionRecord) => string | null,
) {
  const oauth2Required = record.status === "pending_authorization";
  return {
    id: record.id,
    object: "connection" as const,
    organization_id: record.organization_id,
    connector_id: record.connector_id,
    version: record.version,
    name: record.name,
    owner: record.owner,
    access_scope: record.access_scope,
    is_service_account: record.is_service_account,
    status: record.status,
    oauth2_required: oauth2Required,
    connector_page_url: oauth2Required ? pageUrl(record) : null,
    general_params: record.general_params,
    target_system_servers: record.target_system_servers,
    header_names: record.header_names,
    environment: record.environment,
    external_xref: record.external_xref,
    metadata: record.metadata,
    credentials: record.credentials && {
      auth_method: record.credentials.auth_method,
      version: record.credentials.version,
      updated_at: record.credentials.updated_at,
      managed: record.credentials.managed,
    },
    auth_aws_arn: record.auth_aws_arn,
    is_paused: record.is_paused,
    health_reason: record.health_reason,
    last_healthy_at: record.last_healthy_at,
    last_unhealthy_at: record.last_unhealthy_at,
    created_at: record.created_at,
    updated_at: record.updated_at,
    etag: etagOf(record),
  };
}
