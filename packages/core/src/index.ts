export { DynamoApiKeyStore } from "./adapters/dynamodb/api-key-store.ts";
export { DynamoConnectionStore } from "./adapters/dynamodb/connection-store.ts";
export { DynamoConnectorStore } from "./adapters/dynamodb/connector-store.ts";
export { DynamoCredentialReadStore } from "./adapters/dynamodb/credential-read-store.ts";
export { keys } from "./adapters/dynamodb/keys.ts";
export { DynamoLeaseStore } from "./adapters/dynamodb/lease-store.ts";
export { DynamoOAuthFlowStore } from "./adapters/dynamodb/oauth-flow-store.ts";
export { DynamoOrganizationStore } from "./adapters/dynamodb/organization-store.ts";
export { DynamoReconcilerCursorStore } from "./adapters/dynamodb/reconciler-store.ts";
export { DynamoSecretClaimStore } from "./adapters/dynamodb/secret-claim-store.ts";
export { Table } from "./adapters/dynamodb/table.ts";
export { ensureTable, tableDefinition } from "./adapters/dynamodb/table-definition.ts";
export { EventBridgePublisher } from "./adapters/eventbridge/publisher.ts";
export { HttpTokenEndpoint } from "./adapters/http/token-endpoint.ts";
export { SecretsManagerReader } from "./adapters/secrets-manager/secrets-manager-reader.ts";
export { SecretsManagerVault } from "./adapters/secrets-manager/secrets-manager-vault.ts";
export * from "./api-keys/api-key.service.ts";
export * from "./api-keys/api-key.ts";
export { requireAdmin, requireMember } from "./api-keys/principal.ts";
export * from "./connections/access.ts";
export * from "./connections/connection.errors.ts";
export * from "./connections/connection.service.ts";
export * from "./connections/connection.ts";
export { MAX_SECRET_BYTES } from "./connections/connection-secrets.ts";
export { catalog } from "./connectors/catalog.ts";
export * from "./connectors/connector.service.ts";
export * from "./connectors/connector.ts";
export { CredentialReadService } from "./credential-reads/credential-read.service.ts";
export * from "./events/events.ts";
export * from "./oauth/oauth.errors.ts";
export * from "./oauth/oauth.service.ts";
export * from "./oauth/oauth.ts";
export { OAuthClients } from "./oauth/oauth-clients.ts";
export { OAuthLinks } from "./oauth/oauth-links.ts";
export type { TokenEndpoint } from "./oauth/token-endpoint.port.ts";
export * from "./organizations/organization.service.ts";
export * from "./organizations/organization.ts";
export * from "./provisioning/provisioning-message.ts";
export * from "./reconciler/reconciler.service.ts";
export type * from "./reconciler/reconciler.store.ts";
export * from "./resolver/resolver.errors.ts";
export * from "./resolver/resolver.service.ts";
export * from "./resolver/resolver.ts";
export type {
  CredentialPayload,
  CredentialVault,
  InventoriedSecret,
  SecretDescription,
  SecretInventory,
} from "./secrets/secrets.ports.ts";
export { type Clock, systemClock } from "./shared/clock.ts";
export { CursorCodec } from "./shared/cursor.ts";
export * from "./shared/errors.ts";
export * from "./shared/idempotency.ts";
export { isIssuedId, newId } from "./shared/ids.ts";
export { SecretTokens } from "./shared/secret-token.ts";
export { TtlCache } from "./shared/ttl-cache.ts";
export { SECURE_URL_PATTERN, secureUrl } from "./shared/urls.ts";
export { fieldErrors, parse } from "./shared/validation.ts";
export * from "./unified/unified.service.ts";
export * from "./unified/unified.ts";
