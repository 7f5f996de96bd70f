import { catalog, ensureTable } from "@connvault/core";
import {
  type App,
  createApp,
  createEventsHandler,
  createOAuthApp,
  createServices,
  loadConfig,
  type ServiceOverrides,
  type Services,
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

export interface LocalStack {
  edge: Edge;
  services: Services;
  /** The api function's app. */
  app: App;
  /** What one local port serves: `/oauth2/*` as the oauth function would, everything else as the api. */
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
    ...options.env,
    CONNVAULT_ROOT_API_KEY: options.rootApiKey,
    CONNVAULT_SERVER_KEY: serverKey,
    AWS_ENDPOINT_URL: edge.url,
  });
  const services = createServices(config, options.overrides);
  await ensureTable(services.clients.dynamo, config.tableName);
  await services.connectors.seed(catalog());
  // The table's stream, locally: every connection change reaches the same events handler as on AWS,
  // which publishes to the edge's EventBridge sink (.data/events.jsonl for npm start).
  const publishEvents = createEventsHandler(services);
  edge.stream.listen(async (record) => {
    await publishEvents({ Records: [record] });
  });
  const app = createApp(services);
  const oauth = createOAuthApp(services);
  return {
    edge,
    services,
    app,
    // The node server's env (its IncomingMessage) goes along, as the Lambda adapter passes the event.
    fetch: (request, env) =>
      new URL(request.url).pathname.startsWith("/oauth2/")
        ? oauth.fetch(request, env)
        : app.fetch(request, env),
    async close() {
      services.clients.dynamo.destroy();
      services.clients.secrets.destroy();
      await edge.close();
    },
  };
}
