import { catalog, ensureTable } from "@connvault/core";
import {
  type App,
  createApp,
  createServices,
  loadConfig,
  type ServiceOverrides,
  type Services,
} from "@connvault/functions";
import { type Edge, startEdge } from "./edge.ts";

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
  app: App;
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
  const config = loadConfig({
    ...options.env,
    CONNVAULT_ROOT_API_KEY: options.rootApiKey,
    AWS_ENDPOINT_URL: edge.url,
  });
  const services = createServices(config, options.overrides);
  await ensureTable(services.clients.dynamo, config.tableName);
  await services.connectors.seed(catalog());
  return {
    edge,
    services,
    app: createApp(services),
    async close() {
      services.clients.dynamo.destroy();
      services.clients.secrets.destroy();
      await edge.close();
    },
  };
}
