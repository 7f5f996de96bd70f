import type { ConnectorRecord } from "./connector.ts";

export interface ConnectorStore {
  put(connector: ConnectorRecord): Promise<void>;
  get(id: string): Promise<ConnectorRecord | null>;
  list(): Promise<ConnectorRecord[]>;
}
