import type { ConnectSessionRecord } from "./connect-session.ts";

export interface ConnectSessionStore {
  /** Inserts a new session; false when one with the same id exists. */
  create(session: ConnectSessionRecord): Promise<boolean>;
  /** Strongly consistent: the page decides writes on it. */
  get(id: string): Promise<ConnectSessionRecord | null>;
  /** Writes `session` if the stored one is still open; false otherwise. */
  replaceOpen(session: ConnectSessionRecord): Promise<boolean>;
}
