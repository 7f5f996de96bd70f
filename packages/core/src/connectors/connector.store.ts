import type { Connector } from "./connector.ts";

export interface ConnectorStore {
  put(connector: Connector): Promise<void>;
  get(id: string): Promise<Connector | null>;
  list(): Promise<Connector[]>;
}
