import type { ConnectSessionStore } from "../../connect/connect-session.store.ts";
import { ConnectSessionRecord } from "../../connect/connect-session.ts";
import { keys } from "./keys.ts";
import { NOT_EXISTS, type Table } from "./table.ts";

/** Sessions are found by id alone (the page holds only its token); the organization is checked in code. */
export class DynamoConnectSessionStore implements ConnectSessionStore {
  constructor(private readonly table: Table) {}

  create(session: ConnectSessionRecord): Promise<boolean> {
    return this.table.put("connect_session", keys.connectSession(session.id), session, NOT_EXISTS);
  }

  get(id: string): Promise<ConnectSessionRecord | null> {
    return this.table.get(ConnectSessionRecord, keys.connectSession(id), { consistent: true });
  }

  replaceOpen(session: ConnectSessionRecord): Promise<boolean> {
    return this.table.put("connect_session", keys.connectSession(session.id), session, {
      expression: "#status = :open",
      names: { "#status": "status" },
      values: { ":open": "open" },
    });
  }
}
