import type { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import {
  ApiKeyService,
  type Clock,
  ConnectionService,
  ConnectorService,
  CursorCodec,
  DynamoApiKeyStore,
  DynamoConnectionStore,
  DynamoConnectorStore,
  DynamoOrganizationStore,
  OrganizationService,
  SecretsManagerVault,
  systemClock,
  Table,
  UnifiedConnectionService,
} from "@connvault/core";
import type { Config } from "./config.ts";
import { createLogger } from "./logger.ts";

export interface Services {
  config: Config;
  logger: Logger;
  clients: { dynamo: DynamoDBClient; secrets: SecretsManagerClient };
  apiKeys: ApiKeyService;
  organizations: OrganizationService;
  connectors: ConnectorService;
  connections: ConnectionService;
  unified: UnifiedConnectionService;
}

export interface ServiceOverrides {
  clock?: Clock;
  logger?: Logger;
}

/** The one place that builds AWS SDK clients and wires adapters into the core services. */
export function createServices(config: Config, overrides: ServiceOverrides = {}): Services {
  const clock = overrides.clock ?? systemClock;
  const aws = {
    region: config.region,
    ...(config.awsEndpoint
      ? { endpoint: config.awsEndpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } }
      : {}),
  };
  const dynamo = new DynamoDBClient(aws);
  const secrets = new SecretsManagerClient(aws);
  const table = new Table(
    DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    config.tableName,
  );
  const apiKeys = new ApiKeyService(new DynamoApiKeyStore(table), clock, {
    rootApiKey: config.rootApiKey,
    cacheTtlMs: config.cacheTtlMs,
    derivationKey: config.apiKeyDerivationKey,
  });
  const connectors = new ConnectorService(new DynamoConnectorStore(table), clock, config.cacheTtlMs);
  const vault = new SecretsManagerVault(secrets, {
    prefix: config.secretPrefix,
    recoveryWindowDays: 7,
    ...(config.kmsKeyId ? { kmsKeyId: config.kmsKeyId } : {}),
  });
  const connections = new ConnectionService(
    new DynamoConnectionStore(table),
    vault,
    connectors,
    new CursorCodec(config.cursorKey),
    clock,
    { tokenKey: config.tokenKey },
  );
  return {
    config,
    logger: overrides.logger ?? createLogger(config.logLevel),
    clients: { dynamo, secrets },
    apiKeys,
    organizations: new OrganizationService(new DynamoOrganizationStore(table), apiKeys, clock),
    connectors,
    connections,
    unified: new UnifiedConnectionService(connections, connectors),
  };
}
