import { timingSafeEqual } from "node:crypto";
import type { KeyPrincipal } from "../api-keys/api-key.ts";
import type { ConnectionService } from "../connections/connection.service.ts";
import type { ConnectionStore } from "../connections/connection.store.ts";
import {
  type Actor,
  type ConnectionRecord,
  CreateConnectionInput,
  type SecurityInput,
} from "../connections/connection.ts";
import type { ConnectorService } from "../connectors/connector.service.ts";
import type { ConnectorRecord } from "../connectors/connector.ts";
import type { OrganizationStore } from "../organizations/organization.store.ts";
import type { Clock } from "../shared/clock.ts";
import { isWellFormedId } from "../shared/ids.ts";
import { parse } from "../shared/validation.ts";
import { ConnectPageError } from "./connect-page.errors.ts";
import type { ConnectSessionStore } from "./connect-session.store.ts";
import { type ConnectForm, type ConnectSessionRecord, sessionMac, sessionStatus } from "./connect-session.ts";
import type { CredentialCheck } from "./credential-check.ts";

/** What the connect page shows for a usable session. */
export interface OpenConnectSession {
  session: ConnectSessionRecord;
  organizationName: string;
  /** The connectors the page offers: the allowed ones (the reconnected connection's alone), none without auth. */
  connectors: ConnectorRecord[];
  /** The connection a reconnect session changes. */
  connection: ConnectionRecord | null;
}

/** A form that carries credentials (every auth type's but OAuth2's, whose token the provider sends). */
export type CredentialForm = Exclude<ConnectForm, { auth_type: "oauth2" }>;

/** A submitted form: the chosen connector, what the person typed, and the browser's CSRF pair. */
export interface ConnectSubmission<F extends ConnectForm = ConnectForm> {
  connectorId: string;
  form: F;
  browserNonce: string;
  csrf: string;
}

/**
 * The hosted connect page's use of a session (the connect function): the end user's credentials go
 * through the connection use-cases (create, or rotate for a reconnect) with the rights of whoever
 * opened the session, recorded as `{type: "end_user", id: owner}`, after the connector's optional
 * credential check. The page's CSRF values are HMACs of the session and a browser cookie.
 */
export class ConnectPageService {
  constructor(
    private readonly store: ConnectSessionStore,
    private readonly connections: ConnectionService,
    private readonly records: ConnectionStore,
    private readonly connectors: ConnectorService,
    private readonly organizations: OrganizationStore,
    private readonly check: CredentialCheck,
    private readonly clock: Clock,
    private readonly key: Buffer | undefined,
  ) {}

  /** The session a token names, if it can still be used; otherwise the page that says why. */
  async open(token: string): Promise<OpenConnectSession> {
    const id = token.slice(0, Math.max(0, token.indexOf(".")));
    const session = isWellFormedId(id) ? await this.store.get(id) : null;
    if (!session || !sameText(session.token_hash, sessionMac(this.key, "hash", token))) {
      throw new ConnectPageError(
        "connect_page_invalid",
        "This connect link is not valid. Ask the application that sent you here for a new one.",
      );
    }
    this.assertOpen(session);
    const organization = await this.organizations.get(session.organization_id);
    const connection = session.reconnect
      ? await this.records.get(session.organization_id, session.connection_id ?? "")
      : null;
    if (session.reconnect && !connection) {
      throw new ConnectPageError(
        "connect_page_connection_gone",
        "The connection this link was made to reconnect no longer exists. Ask the application for a new link.",
      );
    }
    const ids = connection ? [connection.connector_id] : session.allowed_connectors;
    const offered = ids
      ? await Promise.all(ids.map((id) => this.connectors.find(id)))
      : await this.connectors.list();
    return {
      session,
      organizationName: organization?.name ?? session.organization_id,
      connectors: offered.filter((c): c is ConnectorRecord => c !== null && c.auth_type !== "none"),
      connection,
    };
  }

  /**
   * A session the connect page finished (its result page in a pop-up, after an OAuth2 callback): used,
   * with the connection it made and a redirect_url whose origin the result is posted to.
   */
  async finished(
    id: string,
  ): Promise<ConnectSessionRecord & { connection_id: string; redirect_url: string }> {
    const session = isWellFormedId(id) ? await this.store.get(id) : null;
    if (session?.status !== "used" || !session.connection_id || !session.redirect_url) {
      throw new ConnectPageError("connect_page_invalid", "There is no finished connection to show here.");
    }
    return { ...session, connection_id: session.connection_id, redirect_url: session.redirect_url };
  }

  /** The value the page's form carries for this session in the browser holding `browserNonce`. */
  csrfToken(session: ConnectSessionRecord, browserNonce: string): string {
    return sessionMac(this.key, "csrf", `${session.id}\n${browserNonce}`);
  }

  /**
   * A submitted form: creates the connection (or rotates the reconnected one) through the same
   * use-cases as the API, then uses the session up. A second submit of the same form converges on the
   * same connection: the create's Idempotency-Key is the session's.
   */
  async connect(
    opened: OpenConnectSession,
    submission: ConnectSubmission<CredentialForm>,
  ): Promise<ConnectionRecord> {
    const { session, connection } = opened;
    const connector = this.admit(opened, submission);
    const security = securityOf(submission.form);
    await this.check.verify(connector, connection ? connection.version : null, security);
    const record = connection
      ? await this.connections.rotateCredentials(
          this.creatorOf(session),
          connection.id,
          { security },
          undefined,
          endUser(session),
        )
      : await this.createFor(session, connector, security);
    await this.useUp(session, record.id);
    return record;
  }

  /**
   * An OAuth2 connector's form: the connection to authorize, which the provider's consent then
   * completes (the oauth function's callback uses the session up). A new one is created pending
   * authorization, once per session (a retry after a refused consent authorizes the same connection),
   * and the session names it from then on.
   */
  async prepareOAuth(opened: OpenConnectSession, submission: ConnectSubmission): Promise<ConnectionRecord> {
    const { session, connection } = opened;
    const connector = this.admit(opened, submission);
    if (!connector.oauth2?.client_id) {
      throw new ConnectPageError(
        "connect_page_not_configured",
        `${connector.name} is not set up for connecting yet. Tell the application that sent you here.`,
      );
    }
    if (connection) return connection;
    const record = await this.createFor(session, connector);
    if (session.connection_id !== record.id)
      await this.store.replaceOpen({ ...session, connection_id: record.id });
    return record;
  }

  /**
   * The session's one connection, through the API's create use-case with the creator's rights; its
   * Idempotency-Key is the session's, so a second submit converges on the same connection.
   */
  private async createFor(
    session: ConnectSessionRecord,
    connector: ConnectorRecord,
    security?: SecurityInput,
  ): Promise<ConnectionRecord> {
    const input = parse(CreateConnectionInput, {
      name: connector.name,
      ...(security ? { security } : {}),
      access_scope: session.access_scope,
      owner: session.owner,
      metadata: session.metadata,
    });
    const created = await this.connections.create(
      this.creatorOf(session),
      connector.id,
      input,
      `connect-session:${session.id}`,
      endUser(session),
    );
    return created.result;
  }

  /** The connector a submitted form may connect: sent from the page in this browser, and offered. */
  private admit(opened: OpenConnectSession, submission: ConnectSubmission): ConnectorRecord {
    const { session, connectors } = opened;
    if (
      !submission.browserNonce ||
      !sameText(submission.csrf, this.csrfToken(session, submission.browserNonce))
    ) {
      throw new ConnectPageError(
        "connect_page_forbidden",
        "This form was not sent from the connect page in this browser, or the page is too old. Reload the page and try again.",
      );
    }
    const connector = connectors.find((c) => c.id === submission.connectorId);
    if (!connector || connector.auth_type !== submission.form.auth_type) {
      throw new ConnectPageError(
        "connect_page_unknown_connector",
        "This link cannot connect that service. Go back and choose one of the services offered.",
      );
    }
    return connector;
  }

  /** Marks the session used by `connectionId`; a concurrent submit that made the same connection agrees. */
  private async useUp(session: ConnectSessionRecord, connectionId: string): Promise<void> {
    if (await this.store.replaceOpen({ ...session, status: "used", connection_id: connectionId })) return;
    const now = await this.store.get(session.id);
    if (now?.status !== "used" || now.connection_id !== connectionId) this.assertOpen(now ?? session);
  }

  private assertOpen(session: ConnectSessionRecord): void {
    switch (sessionStatus(session, this.clock.now())) {
      case "open":
        return;
      case "expired":
        throw new ConnectPageError(
          "connect_page_expired",
          "This connect link has expired: links work for 30 minutes. Ask the application that sent you here for a new one.",
        );
      case "revoked":
        throw new ConnectPageError(
          "connect_page_revoked",
          "This connect link was cancelled by the application that sent you here. Ask it for a new one.",
        );
      case "used":
        throw new ConnectPageError(
          "connect_page_used",
          "This connect link has already been used to connect an account. If you need to connect again, ask the application for a new link.",
        );
    }
  }

  /** The page acts with the rights of whoever opened the session, checked again at every write. */
  private creatorOf(session: ConnectSessionRecord): KeyPrincipal {
    return {
      kind: "key",
      organization_id: session.organization_id,
      user_id: session.created_by.user_id,
      role: session.created_by.role,
      api_key_id: session.created_by.api_key_id,
    };
  }
}

/** The write-only credentials a form carries; OAuth2's token comes from the provider instead. */
function securityOf(form: CredentialForm): SecurityInput {
  switch (form.auth_type) {
    case "api_key":
      return { authMethod: "apiKey", apiKey: form.api_key };
    case "basic":
      return { authMethod: "basic", username: form.username, password: form.password };
    case "bearer":
      return { authMethod: "bearer", token: form.token };
  }
}

/** Who the lifecycle events name for what the page does: the end user the session is for. */
const endUser = (session: ConnectSessionRecord): Actor => ({ type: "end_user", id: session.owner });

const sameText = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
