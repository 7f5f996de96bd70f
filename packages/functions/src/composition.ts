import type { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  ApiKeyService,
  type Clock,
  ConnectionService,
  ConnectorService,
  CursorCodec,
  DynamoApiKeyStore,
  DynamoConnectionStore,
  DynamoConnectorStore,
  DynamoCredentialReadStore,
  DynamoLeaseStore,
  DynamoOAuthFlowStore,
  DynamoOrganizationStore,
  DynamoReconcilerCursorStore,
  DynamoSecretClaimStore,
  EventBridgePublisher,
  type EventPublisher,
  HttpTokenEndpoint,
  OAuthService,
  OrganizationService,
  ReconcilerService,
  type ResolverOptions,
  ResolverService,
  SecretsManagerReader,
  SecretsManagerVault,
  SecretTokens,
  systemClock,
  Table,
  type TokenEndpoint,
  UnifiedConnectionService,
} from "@connvault/core";
import type { Config } from "./config.ts";
import { createLogger } from "./logger.ts";

export interface Services {
  config: Config;
  logger: Logger;
  clients: { dynamo: DynamoDBClient; secrets: SecretsManagerClient; events: EventBridgeClient };
  apiKeys: ApiKeyService;
  organizations: OrganizationService;
  connectors: ConnectorService;
  connections: ConnectionService;
  unified: UnifiedConnectionService;
  oauth: OAuthService;
  resolver: ResolverService;
  reconciler: ReconcilerService;
  events: EventPublisher;
}

export interface ServiceOverrides {
  clock?: Clock;
  logger?: Logger;
  tokenEndpoint?: TokenEndpoint;
  resolver?: ResolverOptions;
}

type SdkClientClass = new (config: {
  cacheMiddleware?: boolean;
}) => { middlewareStack: { remove(name: string): boolean } };

/**
 * An AWS SDK client as connvault builds each one: it resolves its middleware stack once per command
 * type (`cacheMiddleware`) and drops the logger middleware, which only feeds an SDK logger connvault
 * never sets. Together about 150 µs less CPU per AWS call (BENCHMARKS.md).
 */
export function awsClient<C extends SdkClientClass>(
  Client: C,
  config: ConstructorParameters<C>[0],
): InstanceType<C> {
  const client = new Client({ ...config, cacheMiddleware: true }) as InstanceType<C>;
  client.middlewareStack.remove("loggerMiddleware");
  return client;
}

/**
 * The one place that builds AWS SDK clients and wires adapters into the core services. Every
 * function builds the same graph; what each may actually do with AWS is bounded by its IAM role
 * (the api role, for one, is denied GetSecretValue, which only the resolver and oauth code paths use).
 */
/**
 * What every AWS SDK client gets: the region, the endpoint override (the embedded edge locally), and
 * explicit budgets: at most 3 attempts of at most 3 s each, so no Lambda waits out its own limit.
 */
export const awsClientSettings = (config: Config) => ({
  region: config.region,
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  ...(config.awsEndpoint
    ? { endpoint: config.awsEndpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } }
    : {}),
});

export function createServices(config: Config, overrides: ServiceOverrides = {}): Services {
  const clock = overrides.clock ?? systemClock;
  const aws = awsClientSettings(config);
  const dynamo = awsClient(DynamoDBClient, aws);
  const secrets = awsClient(SecretsManagerClient, aws);
  const eventBridge = awsClient(EventBridgeClient, aws);
  const table = new Table(dynamo, config.tableName);
  const tokens = new SecretTokens(config.keys["secret-token"]);
  const vault = new SecretsManagerVault(secrets, {
    prefix: config.secretPrefix,
    recoveryWindowDays: 7,
    ...(config.kmsKeyId ? { kmsKeyId: config.kmsKeyId } : {}),
  });
  const reader = new SecretsManagerReader(secrets);
  const tokenEndpoint = overrides.tokenEndpoint ?? new HttpTokenEndpoint();
  const apiKeys = new ApiKeyService(new DynamoApiKeyStore(table), clock, {
    ...(config.rootApiKey ? { rootApiKey: config.rootApiKey } : {}),
    cacheTtlMs: config.cacheTtlMs,
    ...(config.keys["api-key"] ? { derivationKey: config.keys["api-key"] } : {}),
  });
  const connectors = new ConnectorService(
    new DynamoConnectorStore(table),
    vault,
    tokens,
    clock,
    config.cacheTtlMs,
  );
  const records = new DynamoConnectionStore(table);
  const cursors = new CursorCodec(config.keys.cursor);
  const connections = new ConnectionService(
    records,
    vault,
    connectors,
    cursors,
    clock,
    tokens,
    new DynamoSecretClaimStore(table),
  );
  const oauth = new OAuthService(
    connections,
    records,
    connectors,
    new DynamoOAuthFlowStore(table),
    reader,
    tokenEndpoint,
    new CursorCodec(config.keys["oauth-page"], "oauth-page"),
    clock,
  );
  return {
    config,
    logger: overrides.logger ?? createLogger(config.logLevel),
    clients: { dynamo, secrets, events: eventBridge },
    apiKeys,
    organizations: new OrganizationService(new DynamoOrganizationStore(table), apiKeys, clock),
    connectors,
    connections,
    unified: new UnifiedConnectionService(connections, connectors),
    oauth,
    resolver: new ResolverService(
      records,
      connections,
      connectors,
      oauth,
      reader,
      tokenEndpoint,
      new DynamoLeaseStore(table, clock),
      new DynamoCredentialReadStore(table),
      cursors,
      clock,
      overrides.resolver,
    ),
    reconciler: new ReconcilerService(
      records,
      connections,
      vault,
      vault,
      new DynamoReconcilerCursorStore(table),
      clock,
    ),
    events: new EventBridgePublisher(eventBridge, config.eventBusName),
  };
}
