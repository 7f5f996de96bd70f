import type { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  ApiKeyService,
  AuditListing,
  type Clock,
  ConnectionService,
  ConnectorService,
  ConnectPageService,
  ConnectSessionService,
  ConnectSessionsForOAuth,
  CREDENTIAL_READS,
  CredentialCheck,
  type CredentialRead,
  CursorCodec,
  DynamoApiKeyStore,
  DynamoAuditLog,
  DynamoConnectionStore,
  DynamoConnectorStore,
  DynamoConnectSessionStore,
  DynamoLeaseStore,
  DynamoOAuthFlowStore,
  DynamoOrganizationStore,
  DynamoReconcilerCursorStore,
  DynamoSecretClaimStore,
  EventBridgePublisher,
  type EventPublisher,
  HttpTokenEndpoint,
  OAuthClients,
  OAuthLinks,
  OAuthService,
  OrganizationService,
  PROXY_CALLS,
  type ProxyCallRecord,
  ProxyService,
  ReconcilerService,
  type ResolverOptions,
  ResolverService,
  SafeHttp,
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
import { PowertoolsProxyMetrics } from "./proxy/metrics.ts";

/**
 * The one place that builds AWS SDK clients and wires adapters into core services: one builder per
 * function, each building only what that function does, so its type (and its bundle) shows what it may
 * do. The api's services hold no secret reader, no resolver and no raw clients: no route can read a
 * secret even by mistake, and the api role is denied GetSecretValue as well.
 */

export interface ServiceOverrides {
  clock?: Clock;
  logger?: Logger;
  tokenEndpoint?: TokenEndpoint;
  resolver?: ResolverOptions;
  /** The proxy's metrics (EMF lines on stdout, namespace `connvault`). */
  metrics?: Metrics;
}

/**
 * SDK clients a builder uses; each builds its own unless given them (locally one process serves every
 * function over shared clients, so faults injected into them reach every path).
 */
export interface SdkClients {
  dynamo: DynamoDBClient;
  secrets: SecretsManagerClient;
  events: EventBridgeClient;
}

interface FunctionServices {
  config: Config;
  logger: Logger;
}

export interface ApiServices extends FunctionServices {
  apiKeys: ApiKeyService;
  organizations: OrganizationService;
  connectors: ConnectorService;
  connections: ConnectionService;
  unified: UnifiedConnectionService;
  oauthLinks: OAuthLinks;
  connectSessions: ConnectSessionService;
  credentialReads: AuditListing<CredentialRead>;
  proxyCalls: AuditListing<ProxyCallRecord>;
}

/** The hosted connect page: sessions' use, the connection use-cases, and OAuth2 page links. */
export interface ConnectServices extends FunctionServices {
  connectPage: ConnectPageService;
  oauthLinks: OAuthLinks;
}

export interface OAuthServices extends FunctionServices {
  oauth: OAuthService;
}

export interface ResolverServices extends FunctionServices {
  resolver: ResolverService;
}

export interface ProxyServices extends FunctionServices {
  apiKeys: ApiKeyService;
  proxy: ProxyService;
  /** Published after every request. */
  metrics: Metrics;
}

export interface EventsServices extends FunctionServices {
  events: EventPublisher;
}

export interface ProvisionerServices extends FunctionServices {
  connections: ConnectionService;
  events: EventPublisher;
}

export interface ReconcilerServices extends FunctionServices {
  reconciler: ReconcilerService;
}

export interface CustomResourceServices extends FunctionServices {
  connections: ConnectionService;
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

export const dynamoClient = (config: Config) => awsClient(DynamoDBClient, awsClientSettings(config));
export const secretsClient = (config: Config) => awsClient(SecretsManagerClient, awsClientSettings(config));
export const eventBridgeClient = (config: Config) => awsClient(EventBridgeClient, awsClientSettings(config));

const tableAndSecrets = (config: Config) => ({
  dynamo: dynamoClient(config),
  secrets: secretsClient(config),
});

const base = (config: Config, overrides: ServiceOverrides): FunctionServices => ({
  config,
  logger: overrides.logger ?? createLogger(config.logLevel),
});

const vaultOf = (config: Config, secrets: SecretsManagerClient) =>
  new SecretsManagerVault(secrets, {
    prefix: config.secretPrefix,
    recoveryWindowDays: 7,
    ...(config.kmsKeyId ? { kmsKeyId: config.kmsKeyId } : {}),
  });

/** API keys, as the HTTP functions that authenticate callers (api, proxy) check them. */
const apiKeysOf = (config: Config, table: Table, clock: Clock) =>
  new ApiKeyService(new DynamoApiKeyStore(table), clock, {
    ...(config.rootApiKey ? { rootApiKey: config.rootApiKey } : {}),
    cacheTtlMs: config.cacheTtlMs,
    ...(config.keys["api-key"] ? { derivationKey: config.keys["api-key"] } : {}),
  });

/** `connector_page_url`: issued by the api, read by the oauth function, under the oauth-page key. */
const linksOf = (
  config: Config,
  records: DynamoConnectionStore,
  connectors: ConnectorService,
  clock: Clock,
) => new OAuthLinks(records, connectors, new CursorCodec(config.keys["oauth-page"], "oauth-page"), clock);

/** The connection use-cases over DynamoDB and the write-only vault, as every function that changes one builds them. */
function connectionGraph(config: Config, clients: Pick<SdkClients, "dynamo" | "secrets">, clock: Clock) {
  const table = new Table(clients.dynamo, config.tableName);
  const tokens = new SecretTokens(config.keys["secret-token"]);
  const vault = vaultOf(config, clients.secrets);
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
  return { table, vault, connectors, records, cursors, connections };
}

export function createApiServices(
  config: Config,
  overrides: ServiceOverrides = {},
  clients: Pick<SdkClients, "dynamo" | "secrets"> = tableAndSecrets(config),
): ApiServices {
  const clock = overrides.clock ?? systemClock;
  const graph = connectionGraph(config, clients, clock);
  const { table, connectors, records, cursors, connections } = graph;
  const apiKeys = apiKeysOf(config, table, clock);
  return {
    ...base(config, overrides),
    apiKeys,
    organizations: new OrganizationService(new DynamoOrganizationStore(table), apiKeys, clock),
    connectors,
    connections,
    unified: new UnifiedConnectionService(connections, connectors),
    oauthLinks: linksOf(config, records, connectors, clock),
    connectSessions: new ConnectSessionService(
      new DynamoConnectSessionStore(table),
      records,
      connectors,
      clock,
      config.keys["connect-session"],
    ),
    credentialReads: new AuditListing(new DynamoAuditLog(table, CREDENTIAL_READS), cursors),
    proxyCalls: new AuditListing(new DynamoAuditLog(table, PROXY_CALLS), cursors),
  };
}

export function createOAuthServices(
  config: Config,
  overrides: ServiceOverrides = {},
  clients: Pick<SdkClients, "dynamo" | "secrets"> = tableAndSecrets(config),
): OAuthServices {
  const clock = overrides.clock ?? systemClock;
  const { table, connectors, records, connections } = connectionGraph(config, clients, clock);
  return {
    ...base(config, overrides),
    oauth: new OAuthService(
      connections,
      records,
      connectors,
      new DynamoOAuthFlowStore(table),
      linksOf(config, records, connectors, clock),
      new OAuthClients(new SecretsManagerReader(clients.secrets)),
      overrides.tokenEndpoint ?? new HttpTokenEndpoint({ allowedNetworks: config.proxyAllowedNetworks }),
      new ConnectSessionsForOAuth(new DynamoConnectSessionStore(table)),
      clock,
    ),
  };
}

export function createConnectServices(
  config: Config,
  overrides: ServiceOverrides = {},
  clients: Pick<SdkClients, "dynamo" | "secrets"> = tableAndSecrets(config),
): ConnectServices {
  const clock = overrides.clock ?? systemClock;
  const graph = connectionGraph(config, clients, clock);
  // The credential check is a "who am I" call: a small answer, soon.
  const http = new SafeHttp({
    allowedNetworks: config.proxyAllowedNetworks,
    timeoutMs: 10_000,
    connectTimeoutMs: 5_000,
    maxResponseBytes: 64 * 1024,
  });
  return {
    ...base(config, overrides),
    connectPage: new ConnectPageService(
      new DynamoConnectSessionStore(graph.table),
      graph.connections,
      graph.records,
      graph.connectors,
      new DynamoOrganizationStore(graph.table),
      new CredentialCheck(http),
      clock,
      config.keys["connect-session"],
    ),
    oauthLinks: linksOf(config, graph.records, graph.connectors, clock),
  };
}

/** The resolver over a connection graph: what reads credentials back, for the resolver and the proxy. */
function resolverOf(
  config: Config,
  overrides: ServiceOverrides,
  clients: Pick<SdkClients, "dynamo" | "secrets">,
  graph: ReturnType<typeof connectionGraph>,
  clock: Clock,
) {
  const reader = new SecretsManagerReader(clients.secrets);
  return new ResolverService(
    graph.records,
    graph.connections,
    graph.connectors,
    new OAuthClients(reader),
    reader,
    overrides.tokenEndpoint ?? new HttpTokenEndpoint({ allowedNetworks: config.proxyAllowedNetworks }),
    new DynamoLeaseStore(graph.table, clock),
    new DynamoAuditLog(graph.table, CREDENTIAL_READS),
    clock,
    overrides.resolver,
  );
}

export function createResolverServices(
  config: Config,
  overrides: ServiceOverrides = {},
  clients: Pick<SdkClients, "dynamo" | "secrets"> = tableAndSecrets(config),
): ResolverServices {
  const clock = overrides.clock ?? systemClock;
  const graph = connectionGraph(config, clients, clock);
  return { ...base(config, overrides), resolver: resolverOf(config, overrides, clients, graph, clock) };
}

/** What one proxied answer may hold: it goes back through Lambda's 6 MB response, base64 for binary. */
export const MAX_PROXY_BODY_BYTES = 4 * 1024 * 1024;

export function createProxyServices(
  config: Config,
  overrides: ServiceOverrides = {},
  clients: Pick<SdkClients, "dynamo" | "secrets"> = tableAndSecrets(config),
): ProxyServices {
  const clock = overrides.clock ?? systemClock;
  const graph = connectionGraph(config, clients, clock);
  const http = new SafeHttp({
    allowedNetworks: config.proxyAllowedNetworks,
    timeoutMs: config.proxyTimeoutMs,
    connectTimeoutMs: Math.min(5_000, config.proxyTimeoutMs),
    maxResponseBytes: MAX_PROXY_BODY_BYTES,
  });
  const services = base(config, overrides);
  const metrics =
    overrides.metrics ??
    new Metrics({ namespace: "connvault", serviceName: "proxy", logger: services.logger });
  return {
    ...services,
    apiKeys: apiKeysOf(config, graph.table, clock),
    metrics,
    proxy: new ProxyService(
      graph.connections,
      graph.connectors,
      resolverOf(config, overrides, clients, graph, clock),
      http,
      new DynamoAuditLog(graph.table, PROXY_CALLS),
      new PowertoolsProxyMetrics(metrics),
      clock,
      { credentialCacheMs: config.cacheTtlMs, maxResponseBytes: MAX_PROXY_BODY_BYTES },
    ),
  };
}

export function createEventsServices(
  config: Config,
  overrides: ServiceOverrides = {},
  clients: Pick<SdkClients, "events"> = { events: eventBridgeClient(config) },
): EventsServices {
  return {
    ...base(config, overrides),
    events: new EventBridgePublisher(clients.events, config.eventBusName),
  };
}

export function createProvisionerServices(
  config: Config,
  overrides: ServiceOverrides = {},
  clients: SdkClients = { ...tableAndSecrets(config), events: eventBridgeClient(config) },
): ProvisionerServices {
  const { connections } = connectionGraph(config, clients, overrides.clock ?? systemClock);
  return {
    ...base(config, overrides),
    connections,
    events: new EventBridgePublisher(clients.events, config.eventBusName),
  };
}

export function createReconcilerServices(
  config: Config,
  overrides: ServiceOverrides = {},
  clients: Pick<SdkClients, "dynamo" | "secrets"> = tableAndSecrets(config),
): ReconcilerServices {
  const clock = overrides.clock ?? systemClock;
  const { table, vault, records, connections } = connectionGraph(config, clients, clock);
  return {
    ...base(config, overrides),
    reconciler: new ReconcilerService(
      records,
      connections,
      vault,
      vault,
      new DynamoReconcilerCursorStore(table),
      clock,
    ),
  };
}

export function createCustomResourceServices(
  config: Config,
  overrides: ServiceOverrides = {},
  clients: Pick<SdkClients, "dynamo" | "secrets"> = tableAndSecrets(config),
): CustomResourceServices {
  const { connections } = connectionGraph(config, clients, overrides.clock ?? systemClock);
  return { ...base(config, overrides), connections };
}
