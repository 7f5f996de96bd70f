import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Principal } from "../api-keys/api-key.ts";
import { requireMember } from "../api-keys/principal.ts";
import { allows, assertCanChange, changeRule } from "../connections/access.ts";
import { OAuth2ClientNotConfiguredError } from "../connections/connection.errors.ts";
import type { ConnectionStore } from "../connections/connection.store.ts";
import type { ConnectionRecord } from "../connections/connection.ts";
import type { ConnectorService } from "../connectors/connector.service.ts";
import type { Clock } from "../shared/clock.ts";
import type { CursorCodec } from "../shared/cursor.ts";
import { InvalidCursorError, NotFoundError, ValidationError } from "../shared/errors.ts";
import { isWellFormedId } from "../shared/ids.ts";
import { OAuthFlowError } from "./oauth.errors.ts";
import { OAUTH_FLOW_TTL_MS } from "./oauth.ts";

const PAGE_SCOPE = "oauth2-authorize";
/**
 * A page token: organization, connection, expiry (ms), single-use nonce, whether it may authorize a
 * connection that is no longer pending, and the connect session it was issued for, if any, with whether
 * the page is in a pop-up.
 */
const PageState = z.tuple([
  z.string(),
  z.string(),
  z.number(),
  z.string(),
  z.boolean(),
  z.string().optional(),
  z.boolean().optional(),
]);
export type PageState = z.output<typeof PageState>;

/**
 * `connector_page_url`: a signed, 10-minute link naming the connection, with a nonce the oauth function
 * uses up when the link is opened. The api issues links (it needs nothing else of the OAuth2 flow, and
 * no secret reader); the oauth function reads them.
 */
export class OAuthLinks {
  constructor(
    private readonly records: ConnectionStore,
    private readonly connectors: ConnectorService,
    private readonly pages: CursorCodec,
    private readonly clock: Clock,
  ) {}

  /** `connector_page_url` as `caller` sees it: a link only for a pending connection they may change. */
  pageUrl(caller: Principal, record: ConnectionRecord, baseUrl: string): string | null {
    if (record.status !== "pending_authorization" || caller.kind !== "key") return null;
    if (caller.organization_id !== record.organization_id || !allows(changeRule(caller), record)) return null;
    return this.link(record, baseUrl, false);
  }

  /** `POST /v1/connections/{id}/authorize`: a fresh page URL to (re)authorize in place. */
  async reauthorize(principal: Principal, id: string, baseUrl: string): Promise<string> {
    const caller = requireMember(principal);
    if (!isWellFormedId(id)) throw new NotFoundError("connection", id);
    const record = assertCanChange(caller, await this.records.get(caller.organization_id, id), id);
    const connector = await this.connectors.get(record.connector_id);
    if (connector.auth_type !== "oauth2") {
      throw ValidationError.at("connector_id", "not_oauth2", `Connector ${connector.id} does not use OAuth2`);
    }
    if (!connector.oauth2?.client_id) throw new OAuth2ClientNotConfiguredError(connector.id);
    return this.link(record, baseUrl, true);
  }

  /**
   * The connect page's link for the connection it made (or reconnects): the authorization then ends
   * with the session, which the callback uses up.
   */
  forConnectSession(
    record: ConnectionRecord,
    baseUrl: string,
    session: { id: string; reauthorize: boolean; popup: boolean },
  ): string {
    return this.link(record, baseUrl, session.reauthorize, session);
  }

  /** What a page token says, if this server signed it; OAuthFlowError otherwise. */
  read(state: string): PageState {
    try {
      const parsed = PageState.safeParse(JSON.parse(this.pages.decode(PAGE_SCOPE, state)));
      if (parsed.success) return parsed.data;
    } catch (error) {
      if (!(error instanceof InvalidCursorError || error instanceof SyntaxError)) throw error;
    }
    throw new OAuthFlowError("oauth_state_invalid", "This authorization link is not valid.");
  }

  private link(
    record: ConnectionRecord,
    baseUrl: string,
    reauthorize: boolean,
    session?: { id: string; popup: boolean },
  ): string {
    const expires = this.clock.now().getTime() + OAUTH_FLOW_TTL_MS;
    const nonce = randomBytes(16).toString("base64url");
    const fields = [record.organization_id, record.id, expires, nonce, reauthorize] as const;
    const state: z.input<typeof PageState> = session ? [...fields, session.id, session.popup] : [...fields];
    const token = this.pages.encode(PAGE_SCOPE, JSON.stringify(state));
    return `${baseUrl}/oauth2/authorize?state=${encodeURIComponent(token)}`;
  }
}
