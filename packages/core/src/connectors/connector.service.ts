import type { Principal } from "../api-keys/api-key.ts";
import type { ConnectorSecrets } from "../secrets/secrets.ports.ts";
import type { Clock } from "../shared/clock.ts";
import { DomainError, ForbiddenError } from "../shared/errors.ts";
import { isWellFormedId } from "../shared/ids.ts";
import type { SecretTokens } from "../shared/secret-token.ts";
import { closestMatch } from "../shared/suggest.ts";
import { TtlCache } from "../shared/ttl-cache.ts";
import { ConnectorNotFoundError } from "./connector.errors.ts";
import type { ConnectorStore } from "./connector.store.ts";
import type { Connector, ConnectorRecord, PutConnectorInput } from "./connector.ts";

/** The connector catalog, cached per warm container. */
export class ConnectorService {
  private readonly byId: TtlCache<ConnectorRecord>;
  private readonly all: TtlCache<ConnectorRecord[]>;

  constructor(
    private readonly store: ConnectorStore,
    private readonly secrets: ConnectorSecrets,
    private readonly tokens: SecretTokens,
    clock: Clock,
    cacheTtlMs: number,
  ) {
    this.byId = new TtlCache(cacheTtlMs, clock);
    this.all = new TtlCache(cacheTtlMs, clock, 1);
  }

  async get(id: string): Promise<ConnectorRecord> {
    const connector = await this.find(id);
    if (!connector) throw new ConnectorNotFoundError(id, await this.closestId(id));
    return connector;
  }

  /**
   * The catalog id an unknown one was probably meant to be ("strpe", "Stripe" → stripe). It reads the
   * cached list (one catalog Query when cold); a store that fails only costs the suggestion.
   */
  private async closestId(id: string): Promise<string | undefined> {
    if (!isWellFormedId(id)) return undefined;
    try {
      return closestMatch(
        id,
        (await this.list()).map((connector) => connector.id),
      );
    } catch (error) {
      if (error instanceof DomainError) return undefined;
      throw error;
    }
  }

  /** The connector, or null when there is none with this id. */
  async find(id: string): Promise<ConnectorRecord | null> {
    return isWellFormedId(id) ? this.byId.getOrLoad(id, () => this.store.get(id)) : null;
  }

  list(): Promise<ConnectorRecord[]> {
    return this.all.getOrLoad("all", () => this.store.list());
  }

  /**
   * Adds or replaces a connector (root only). An OAuth2 client secret goes to Secrets Manager as the
   * connector's secret (a new version when it changes); without one, the stored secret is kept.
   */
  async put(principal: Principal, id: string, input: PutConnectorInput): Promise<ConnectorRecord> {
    if (principal.kind !== "root") throw new ForbiddenError("Only the root key may change the catalog");
    const existing = await this.store.get(id);
    let oauth2: ConnectorRecord["oauth2"];
    if (input.oauth2) {
      const { client_secret, ...config } = input.oauth2;
      const secretArn = client_secret
        ? await this.secrets.putConnectorSecret(
            id,
            client_secret,
            this.tokens.for("connector", id, client_secret),
          )
        : (existing?.oauth2?.client_secret_arn ?? null);
      oauth2 = { ...config, client_secret_arn: secretArn };
    }
    const record: ConnectorRecord = {
      id,
      name: input.name,
      description: input.description,
      auth_type: input.auth_type,
      versions: input.versions,
      latest_version: input.latest_version ?? input.versions.at(-1)?.version ?? "",
      ...(oauth2 ? { oauth2 } : {}),
    };
    await this.store.put(record);
    this.byId.clear();
    this.all.clear();
    return record;
  }

  /** Writes catalog entries (idempotent), e.g. the catalog shipped in the repository. */
  async seed(connectors: readonly Connector[]): Promise<void> {
    for (const connector of connectors) {
      const existing = await this.store.get(connector.id);
      // A connector the operator configured (client id, secret) is not overwritten by the shipped one.
      if (existing?.oauth2?.client_id) continue;
      const { oauth2, ...rest } = connector;
      await this.store.put({
        ...rest,
        ...(oauth2 ? { oauth2: { ...oauth2, client_secret_arn: null } } : {}),
      });
    }
    this.byId.clear();
    this.all.clear();
  }
}
