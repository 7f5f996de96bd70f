import type { OAuthConnectSessions } from "../oauth/oauth.store.ts";
import type { ConnectSessionStore } from "./connect-session.store.ts";

/** Connect sessions as the OAuth2 callback ends them: an authorization started on the page uses its session up. */
export class ConnectSessionsForOAuth implements OAuthConnectSessions {
  constructor(private readonly store: ConnectSessionStore) {}

  get(id: string) {
    return this.store.get(id);
  }

  async useUp(id: string, connectionId: string): Promise<boolean> {
    const session = await this.store.get(id);
    return (
      session !== null && this.store.replaceOpen({ ...session, status: "used", connection_id: connectionId })
    );
  }
}
