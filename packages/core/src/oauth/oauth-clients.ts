import type { ConnectorRecord } from "../connectors/connector.ts";
import type { SecretReader } from "../secrets/secrets.ports.ts";
import type { ClientCredentials } from "./token-endpoint.port.ts";

/**
 * A connector's OAuth2 client as presented at its token endpoint: the id, and the client secret read
 * back from Secrets Manager. Only the oauth function (code exchange) and the resolver (refresh) build it.
 */
export class OAuthClients {
  constructor(private readonly secrets: SecretReader) {}

  async credentials(oauth2: NonNullable<ConnectorRecord["oauth2"]>): Promise<ClientCredentials> {
    const stored = oauth2.client_secret_arn ? await this.secrets.read(oauth2.client_secret_arn) : null;
    const clientSecret = (stored as { client_secret?: string } | null)?.client_secret ?? null;
    return { config: oauth2, clientSecret };
  }
}
