import { setTimeout as sleep } from "node:timers/promises";
import { allows, seeRule } from "../connections/access.ts";
import { SecretNotAdoptableError } from "../connections/connection.errors.ts";
import type { ConnectionService } from "../connections/connection.service.ts";
import type { ConnectionStore } from "../connections/connection.store.ts";
import type { ConnectionRecord, CredentialPayload, OAuth2Token } from "../connections/connection.ts";
import type { ConnectorService } from "../connectors/connector.service.ts";
import { tokenFrom } from "../oauth/oauth.service.ts";
import type { OAuthClients } from "../oauth/oauth-clients.ts";
import type { TokenEndpoint } from "../oauth/token-endpoint.port.ts";
import type { SecretReader, SecretTags } from "../secrets/secrets.ports.ts";
import type { Clock } from "../shared/clock.ts";
import { NotFoundError } from "../shared/errors.ts";
import { newId } from "../shared/ids.ts";
import { ConnectionUnusableError } from "./resolver.errors.ts";
import type { CredentialReadStore, LeaseStore } from "./resolver.store.ts";
import type { ResolveRequest } from "./resolver.ts";

export interface ResolverOptions {
  /** Refresh an OAuth2 token that expires within this window. */
  refreshWindowMs: number;
  /** How long one refresher holds the lease. */
  leaseMs: number;
  /** How long a caller waits for another's refresh before giving up on it. */
  waitMs: number;
}

export const DEFAULT_RESOLVER_OPTIONS: ResolverOptions = {
  refreshWindowMs: 5 * 60_000,
  leaseMs: 30_000,
  waitMs: 15_000,
};

/**
 * The one place credentials are read back, for the platform's executor (IAM-only invoke). It
 * applies the same visibility rules as the API, records every read, and refreshes an OAuth2 token
 * that is about to expire — once, under a DynamoDB lease, since providers rotate refresh tokens.
 */
export class ResolverService {
  constructor(
    private readonly records: ConnectionStore,
    private readonly connections: ConnectionService,
    private readonly connectors: ConnectorService,
    private readonly clients: OAuthClients,
    private readonly secrets: SecretReader & SecretTags,
    private readonly tokenEndpoint: TokenEndpoint,
    private readonly leases: LeaseStore,
    private readonly reads: CredentialReadStore,
    private readonly clock: Clock,
    private readonly options: ResolverOptions = DEFAULT_RESOLVER_OPTIONS,
  ) {}

  async resolve(
    request: ResolveRequest,
  ): Promise<{ connection: ConnectionRecord; credentials: CredentialPayload }> {
    const record = await this.records.get(request.organization_id, request.connection_id);
    if (!record || !allows(seeRule(request), record)) {
      throw new NotFoundError("connection", request.connection_id);
    }
    assertUsable(record);
    const audit = () =>
      this.reads.record({
        id: newId("read"),
        organization_id: record.organization_id,
        connection_id: record.id,
        user_id: request.user_id,
        purpose: request.purpose ?? null,
        at: this.clock.now().toISOString(),
      });
    return { connection: record, credentials: await this.credentialsOf(record, audit) };
  }

  /**
   * The credentials of a connection the caller may use (see {@link assertUsable}): an adopted secret
   * only while its tag still names the organization, and an OAuth2 token about to expire refreshed
   * first; `beforeRead` (the resolver's audit) runs once the secret may be read, before it is. Both
   * the resolver and the proxy read credentials through here.
   */
  async credentialsOf(
    record: ConnectionRecord,
    beforeRead?: () => Promise<void>,
  ): Promise<CredentialPayload> {
    const arn = record.auth_aws_arn;
    if (!arn) throw new ConnectionUnusableError("credentials_missing", "The connection has no credentials");
    if (record.credentials?.managed === false) await this.checkAdopted(record, arn);
    await beforeRead?.();
    const credentials = (await this.secrets.read(arn)) as CredentialPayload;
    return this.expiring(credentials) ? this.refreshOnce(record, credentials) : credentials;
  }

  /**
   * The resolver's role may read any secret tagged for some organization, so an adopted secret is
   * read only while its tag still names the record's organization (one DescribeSecret more;
   * managed secrets, under the organization's own name, need none).
   */
  private async checkAdopted(record: ConnectionRecord, arn: string): Promise<void> {
    const tagged = (await this.secrets.tags(arn))["connvault:organization_id"];
    if (tagged !== record.organization_id)
      throw new SecretNotAdoptableError(
        `The adopted secret is no longer tagged connvault:organization_id = ${record.organization_id}`,
      );
  }

  /**
   * Single flight: whoever takes the lease refreshes (after checking nobody just did); everyone
   * else waits for the secret to hold a token that is no longer expiring.
   */
  private async refreshOnce(record: ConnectionRecord, seen: CredentialPayload): Promise<CredentialPayload> {
    const arn = record.auth_aws_arn ?? "";
    const lease = `refresh#${record.organization_id}#${record.id}`;
    const owner = newId("req");
    const deadline = this.clock.now().getTime() + this.options.waitMs;
    let current = seen;
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      if (await this.leases.acquire(lease, owner, this.options.leaseMs)) {
        try {
          current = (await this.secrets.read(arn)) as CredentialPayload;
          if (!this.expiring(current)) return current;
          const token = current.security?.authMethod === "oauth2" ? current.security.oauth2Token : undefined;
          if (!token?.refresh_token) return current;
          const fresh = await this.refresh(record, token, token.refresh_token);
          return { security: { authMethod: "oauth2", oauth2Token: fresh } };
        } finally {
          await this.leases.release(lease, owner);
        }
      }
      if (this.clock.now().getTime() > deadline) return current;
      await sleep(delay);
      current = (await this.secrets.read(arn)) as CredentialPayload;
      if (!this.expiring(current)) return current;
    }
  }

  private async refresh(
    record: ConnectionRecord,
    token: OAuth2Token,
    refreshToken: string,
  ): Promise<OAuth2Token> {
    const connector = await this.connectors.get(record.connector_id);
    if (!connector.oauth2) return token;
    const response = await this.tokenEndpoint.refresh(
      await this.clients.credentials(connector.oauth2),
      refreshToken,
    );
    const fresh = tokenFrom(response, this.clock.now(), refreshToken);
    await this.connections.storeOAuthToken(record.organization_id, record.id, fresh, {
      type: "credentials_rotated",
      by: "resolver",
    });
    return fresh;
  }

  /** An OAuth2 token with a refresh token that expires within the window. */
  private expiring(payload: CredentialPayload): boolean {
    const token = payload.security?.authMethod === "oauth2" ? payload.security.oauth2Token : undefined;
    if (!token?.refresh_token || token.expires_at === undefined) return false;
    const expiresAt =
      typeof token.expires_at === "number" ? token.expires_at * 1000 : Date.parse(token.expires_at);
    return expiresAt - this.clock.now().getTime() < this.options.refreshWindowMs;
  }
}

/**
 * A paused connection is not used, nor one without credentials when it needs some (a connector of
 * auth_type none needs none, through the proxy).
 */
export function assertUsable(record: ConnectionRecord, needsCredentials = true): void {
  if (record.is_paused) throw new ConnectionUnusableError("connection_paused", "The connection is paused");
  if (needsCredentials && !record.auth_aws_arn)
    throw new ConnectionUnusableError("credentials_missing", "The connection has no credentials");
}
