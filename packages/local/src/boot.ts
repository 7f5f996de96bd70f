import { catalog, ensureTable } from "@connvault/core";
import {
  type ApiServices,
  type App,
  type ConnectServices,
  type CustomResourceServices,
  createApiServices,
  createApp,
  createConnectApp,
  createConnectServices,
  createCustomResourceServices,
  createEventsHandler,
  createEventsServices,
  createOAuthApp,
  createOAuthServices,
  createProvisionerServices,
  createProxyApp,
  createProxyServices,
  createReconcilerServices,
  createResolverServices,
  dynamoClient,
  type EventsServices,
  eventBridgeClient,
  loadConfig,
  type OAuthServices,
  type ProvisionerServices,
  type ProxyServices,
  type ReconcilerServices,
  type ResolverServices,
  type SdkClients,
  type ServiceOverrides,
  secretsClient,
} from "@connvault/functions";
import { type Edge, startEdge } from "./edge.ts";
import { ensureServerKey, generateServerKey } from "./root-key.ts";

export interface BootOptions {
  /** Edge port; 0 picks a free one. */
  edgePort?: number;
  /** Persist under this folder; in memory when absent. */
  dataDir?: string;
  rootApiKey: string;
  /** Further configuration, as environment variables. */
  env?: Record<string, string | undefined>;
  overrides?: ServiceOverrides;
}

/**
 * Every function's services, each graph built by its own builder over one set of SDK clients (one
 * process serves them all), with the clients themselves for tests that inject faults into them.
 */
export type LocalServices = ApiServices &
  OAuthServices &
  ResolverServices &
  EventsServices &
  ProvisionerServices &
  ProxyServices &
  ConnectServices &
  ReconcilerServices &
  CustomResourceServices & { clients: SdkClients };

export interface LocalStack {
  edge: Edge;
  services: LocalServices;
  /** The api function's app. */
  app: App;
  /**
   * What one local port serves: `/oauth2/*` as the oauth function would, `/connect/*` as the connect
   * function would, the proxy's routes as the proxy function would, everything else as the api.
   */
  fetch(request: Request, env?: unknown): Response | Promise<Response>;
  close(): Promise<void>;
}

/**
 * Starts connvault on the embedded backend: the edge endpoint, the table (created if missing), the
 * shipped connector catalog, and the Hono app wired to real AWS SDK clients pointing at the edge.
 */
export async function bootLocal(options: BootOptions): Promise<LocalStack> {
  const edge = await startEdge({
    ...(options.edgePort !== undefined ? { port: options.edgePort } : {}),
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  const fromEnv = options.env?.CONNVAULT_SERVER_KEY;
  const serverKey = options.dataDir
    ? ensureServerKey(options.dataDir, fromEnv).key
    : (fromEnv ?? generateServerKey());
  const config = loadConfig({
    // Locally the proxy may call loopback (a target system on this machine); set it to "" for none.
    CONNVAULT_PROXY_ALLOWED_NETWORKS: "127.0.0.0/8,::1/128",
    ...options.env,
    CONNVAULT_ROOT_API_KEY: options.rootApiKey,
    CONNVAULT_SERVER_KEY: serverKey,
    AWS_ENDPOINT_URL: edge.url,
  });
  const clients = {
    dynamo: dynamoClient(config),
    secrets: secretsClient(config),
    events: eventBridgeClient(config),
  };
  const overrides = options.overrides ?? {};
  const services: LocalServices = {
    ...createCustomResourceServices(config, overrides, clients),
    ...createReconcilerServices(config, overrides, clients),
    ...createProvisionerServices(config, overrides, clients),
    ...createEventsServices(config, overrides, clients),
    ...createResolverServices(config, overrides, clients),
    ...createProxyServices(config, overrides, clients),
    ...createOAuthServices(config, overrides, clients),
    ...createConnectServices(config, overrides, clients),
    ...createApiServices(config, overrides, clients),
    clients,
  };
  await ensureTable(clients.dynamo, config.tableName);
  await services.connectors.seed(catalog());
  // The table's stream, locally: every connection change reaches the same events handler as on AWS,
  // which publishes to the edge's EventBridge sink (.data/events.jsonl for npm start).
  const publishEvents = createEventsHandler(services);
  edge.stream.listen(async (record) => {
    await publishEvents({ Records: [record] });
  });
  const app = createApp(services);
  const oauth = createOAuthApp(services);
  const proxy = createProxyApp(services);
  const connect = createConnectApp(services);
  const PROXIED = /^\/(?:v1\/connections\/[^/]+\/proxy(?:\/|$)|passthrough\/)/;
  return {
    edge,
    services,
    app,
    // The node server's env (its IncomingMessage) goes along, as the Lambda adapter passes the event.
    fetch: (request, env) => {
      const { pathname } = new URL(request.url);
      if (pathname.startsWith("/oauth2/")) return oauth.fetch(request, env);
      if (pathname.startsWith("/connect/")) return connect.fetch(request, env);
      return PROXIED.test(pathname) ? proxy.fetch(request, env) : app.fetch(request, env);
    },
    async close() {
      for (const client of Object.values(clients)) client.destroy();
      await edge.close();
    },
  };
}
