import type { Clock } from "../shared/clock.ts";
import { NotFoundError } from "../shared/errors.ts";
import { TtlCache } from "../shared/ttl-cache.ts";
import type { ConnectorStore } from "./connector.store.ts";
import type { Connector } from "./connector.ts";

/** The connector catalog, cached per warm container. */
export class ConnectorService {
  private readonly byId: TtlCache<Connector | null>;
  private readonly all: TtlCache<Connector[]>;

  constructor(
    private readonly store: ConnectorStore,
    clock: Clock,
    cacheTtlMs: number,
  ) {
    this.byId = new TtlCache(cacheTtlMs, clock);
    this.all = new TtlCache(cacheTtlMs, clock, 1);
  }

  async get(id: string): Promise<Connector> {
    const connector = await this.byId.getOrLoad(id, () => this.store.get(id));
    if (!connector) throw new NotFoundError("connector", id);
    return connector;
  }

  list(): Promise<Connector[]> {
    return this.all.getOrLoad("all", () => this.store.list());
  }

  /** Writes catalog entries (idempotent), e.g. the catalog shipped in the repository. */
  async seed(connectors: readonly Connector[]): Promise<void> {
    for (const connector of connectors) await this.store.put(connector);
    this.byId.clear();
    this.all.clear();
  }
}
