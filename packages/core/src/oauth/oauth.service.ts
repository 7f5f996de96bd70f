import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { ConnectionService } from "../connections/connection.service.ts";
import type { ConnectionStore } from "../connections/connection.store.ts";
import type { ConnectionRecord, OAuth2Token } from "../connections/connection.ts";
import type { ConnectorService } from "../connectors/connector.service.ts";
import type { Clock } from "../shared/clock.ts";
import { NotFoundError } from "../shared/errors.ts";
import { OAuthFlowError } from "./oauth.errors.ts";
import type { OAuthConnectSessions, OAuthFlowStore } from "./oauth.store.ts";
import { OAUTH_FLOW_TTL_MS, type TokenResponse } from "./oauth.ts";
import type { OAuthClients } from "./oauth-clients.ts";
import type { OAuthLinks } from "./oauth-links.ts";
import type { TokenEndpoint } from "./token-endpoint.port.ts";

/** Flow ids are 24 random bytes in base64url; anything else at the callback is refused unread. */
const FLOW_ID = /^[\w-]{32}$/;

const sha256 = (value: string) => createHash("sha256").update(value).digest("base64url");

/** The token to store from a token response; a refresh that returns no refresh_token keeps the old one. */
export function tokenFrom(response: TokenResponse, now: Date, previousRefreshToken?: string): OAuth2Token {
  const refreshToken = response.refresh_token ?? previousRefreshToken;
  return {
    access_token: response.access_token,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
    ...(response.expires_in
      ? { expires_at: new Date(now.getTime() + response.expires_in * 1000).toISOString() }
      : {}),
    ...(response.token_type ? { token_type: response.token_type } : {}),
    ...(response.scope ? { scope: response.scope } : {}),
  };
}

/**
 * The OAuth2 authorization-code flow with PKCE (S256), served by the oauth function.
 * `connector_page_url` (OAuthLinks) carries a signed, 10-minute, single-use token naming the
 * connection; opening it starts a flow whose random id is
 * the `state` sent to the provider, stored once and consumed by the callback (single use), and
 * binds the flow to that browser by a cookie. The callback exchanges the code and stores the
 * token as the next version of the connection's secret.
 */
export class OAuthService {
  constructor(
    private readonly connections: ConnectionService,
    private readonly records: ConnectionStore,
    private readonly connectors: ConnectorService,
    private readonly flows: OAuthFlowStore,
    private readonly links: OAuthLinks,
    private readonly clients: OAuthClients,
    private readonly tokenEndpoint: TokenEndpoint,
    private readonly sessions: OAuthConnectSessions,
    private readonly clock: Clock,
  ) {}

  /** `GET /oauth2/authorize`: uses up the page token; the provider URL, and the cookie value the callback wants. */
  async start(pageState: string, callbackUrl: string): Promise<{ location: string; browserKey: string }> {
    const [organizationId, connectionId, expires, nonce, reauthorize, sessionId, popup] =
      this.links.read(pageState);
    if (this.clock.now().getTime() > expires) {
      throw new OAuthFlowError(
        "oauth_link_expired",
        "This authorization link has expired. Ask for a new one.",
      );
    }
    const record = await this.records.get(organizationId, connectionId);
    if (!record) throw new OAuthFlowError("oauth_connection_gone", "This connection no longer exists.");
    this.assertPending(record, reauthorize);
    const { oauth2 } = await this.oauthConnector(record);
    if (!(await this.flows.usePageNonce(nonce, Math.ceil(expires / 1000)))) {
      throw new OAuthFlowError(
        "oauth_link_used",
        "This authorization link has already been used. Ask for a new one.",
      );
    }
    const verifier = randomBytes(32).toString("base64url");
    const flowId = randomBytes(24).toString("base64url");
    const browserKey = randomBytes(32).toString("base64url");
    await this.flows.create({
      id: flowId,
      organization_id: organizationId,
      connection_id: connectionId,
      code_verifier: verifier,
      redirect_uri: callbackUrl,
      browser_hash: sha256(browserKey),
      reauthorize,
      connect_session_id: sessionId ?? null,
      connect_popup: popup ?? false,
      expires_at: Math.floor((this.clock.now().getTime() + OAUTH_FLOW_TTL_MS) / 1000),
    });
    const url = new URL(oauth2.authorization_url);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("client_id", oauth2.client_id ?? "");
    url.searchParams.set("redirect_uri", callbackUrl);
    url.searchParams.set("state", flowId);
    if (oauth2.scopes.length) url.searchParams.set("scope", oauth2.scopes.join(" "));
    url.searchParams.set("code_challenge", createHash("sha256").update(verifier).digest("base64url"));
    url.searchParams.set("code_challenge_method", "S256");
    return { location: url.toString(), browserKey };
  }

  /**
   * `GET /oauth2/callback`: consumes the flow, exchanges the code and stores the token; a flow started
   * on the connect page uses its session up. Every failure (unknown or replayed state, another
   * browser, denied consent, provider error) changes nothing.
   */
  async finish(params: { state?: string; code?: string; error?: string; browserKey?: string }): Promise<{
    record: ConnectionRecord;
    session: { id: string; redirect_url: string | null; popup: boolean } | null;
  }> {
    const flow = params.state && FLOW_ID.test(params.state) ? await this.flows.take(params.state) : null;
    if (!flow || flow.expires_at * 1000 < this.clock.now().getTime()) {
      throw new OAuthFlowError(
        "oauth_state_invalid",
        "This authorization is unknown, expired or already used.",
      );
    }
    if (!sameHash(flow.browser_hash, sha256(params.browserKey ?? ""))) {
      throw new OAuthFlowError(
        "oauth_browser_mismatch",
        "This authorization was not started in this browser. Ask for a new link and open it here.",
      );
    }
    if (params.error || !params.code) {
      throw new OAuthFlowError("oauth_denied", "The authorization was declined at the provider.");
    }
    const record = await this.records.get(flow.organization_id, flow.connection_id);
    if (!record) throw new OAuthFlowError("oauth_connection_gone", "This connection no longer exists.");
    this.assertPending(record, flow.reauthorize);
    const { oauth2 } = await this.oauthConnector(record);
    const session = flow.connect_session_id ? await this.sessions.get(flow.connect_session_id) : null;
    const response = await this.tokenEndpoint.exchangeCode(await this.clients.credentials(oauth2), {
      code: params.code,
      redirectUri: flow.redirect_uri,
      codeVerifier: flow.code_verifier,
    });
    const authorized = await this.connections.storeOAuthToken(
      record.organization_id,
      record.id,
      tokenFrom(response, this.clock.now()),
      {
        type: "authorized",
        by: "oauth2-callback",
        ...(session ? { actor: { type: "end_user", id: session.owner } } : {}),
      },
    );
    // A session revoked meanwhile stays so; the connection is authorized all the same.
    if (!session || !flow.connect_session_id) return { record: authorized, session: null };
    await this.sessions.useUp(flow.connect_session_id, authorized.id);
    return {
      record: authorized,
      session: { id: flow.connect_session_id, redirect_url: session.redirect_url, popup: flow.connect_popup },
    };
  }

  private async oauthConnector(record: ConnectionRecord) {
    const connector = await this.connectors.get(record.connector_id).catch((error: unknown) => {
      if (error instanceof NotFoundError)
        throw new OAuthFlowError("oauth_not_configured", "The connector is gone.");
      throw error;
    });
    const { oauth2 } = connector;
    if (connector.auth_type !== "oauth2" || !oauth2?.client_id) {
      throw new OAuthFlowError(
        "oauth_not_configured",
        `The connector ${connector.id} has no OAuth2 client configured; an administrator must set it up.`,
      );
    }
    return { connector, oauth2 };
  }

  /** Only a link from `/authorize` may authorize a connection that is no longer pending. */
  private assertPending(record: ConnectionRecord, reauthorize: boolean): void {
    if (!reauthorize && record.status !== "pending_authorization") {
      throw new OAuthFlowError(
        "oauth_not_pending",
        "This connection is already authorized; this link cannot authorize it again. Ask for a re-authorization link.",
      );
    }
  }
}

const sameHash = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
