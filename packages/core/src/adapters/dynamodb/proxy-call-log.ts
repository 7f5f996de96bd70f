import { ProxyCallRecord } from "../../proxy/proxy.ts";
import type { AuditKind } from "./audit-log.ts";

/** Proxied calls: `PROXY#<occurred_at>#<id>` in the organization's partition. */
export const PROXY_CALLS: AuditKind<ProxyCallRecord> = {
  entity: "proxy_call",
  prefix: "PROXY",
  schema: ProxyCallRecord,
  at: (call) => call.occurred_at,
};
