import type { Principal } from "../api-keys/api-key.ts";
import { requireMember } from "../api-keys/principal.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import type { ConnectionService } from "../connections/connection.service.ts";
import type { ConnectionRecord, CredentialPayload } from "../connections/connection.ts";
import type { ConnectorService } from "../connectors/connector.service.ts";
import { findVersion } from "../connectors/connector.ts";
import { assertUsable, type ResolverService } from "../resolver/resolver.service.ts";
import type { Clock } from "../shared/clock.ts";
import { DomainError, NotFoundError } from "../shared/errors.ts";
import { newId } from "../shared/ids.ts";
import type { OutboundHttp, OutboundResponse, ProxyMetrics } from "./outbound.port.ts";
import { type ProxyCall, type ProxyCallRecord, redactAnswer, upstreamRequest } from "./proxy.ts";

export interface ProxyOptions {
  /** How long a warm container reuses a connection's credentials (at most 60 s). */
  credentialCacheMs: number;
  /** The most of an upstream answer relayed (Lambda answers at most 6 MB, base64 included). */
  maxResponseBytes: number;
}

/** The HTTP status connvault answered with when a call failed before an upstream answer. */
const statusOf = (error: unknown) =>
  error instanceof DomainError
    ? (({ destination_not_allowed: 403, upstream_timeout: 504 } as Record<string, number>)[error.code] ?? 502)
    : 500;

/**
 * Calls through a connection: the caller names the connection and the request, connvault adds the
 * credential and settings, which the caller never sees, and relays the answer with every credential
 * value redacted. Credentials come through the resolver's mechanism (adopted-secret check, OAuth2
 * refresh before expiry, single-flight); every call is audited.
 */
export class ProxyService {
  /** Credentials by connection and record revision, for {@link ProxyOptions.credentialCacheMs}. */
  private readonly cache = new Map<string, { credentials: CredentialPayload; until: number }>();

  constructor(
    private readonly connections: ConnectionService,
    private readonly connectors: ConnectorService,
    private readonly resolver: ResolverService,
    private readonly http: OutboundHttp,
    private readonly calls: AuditLog<ProxyCallRecord>,
    private readonly metrics: ProxyMetrics,
    private readonly clock: Clock,
    private readonly options: ProxyOptions,
  ) {}

  /** A call through the connection; every refusal is counted by its code (the not found and the paused too). */
  async call(principal: Principal, connectionId: string, call: ProxyCall): Promise<OutboundResponse> {
    try {
      return await this.relay(principal, connectionId, call);
    } catch (error) {
      this.metrics.refused(error instanceof DomainError ? error.code : "internal_error");
      throw error;
    }
  }

  private async relay(
    principal: Principal,
    connectionId: string,
    call: ProxyCall,
  ): Promise<OutboundResponse> {
    const caller = requireMember(principal);
    const record = await this.connections.get(principal, connectionId);
    const connector = await this.connectors.get(record.connector_id);
    assertUsable(record, connector.auth_type !== "none");
    const version = findVersion(connector, record.version);
    if (!version) throw new NotFoundError("connector", `${record.connector_id}@${record.version}`);
    const credentials = record.auth_aws_arn ? await this.credentialsOf(record) : {};
    const { request, secrets } = upstreamRequest(record, version, credentials, call);

    const started = this.clock.now();
    const audit = (status: number) =>
      this.calls.record({
        id: newId("pxy"),
        organization_id: record.organization_id,
        connection_id: record.id,
        user_id: caller.user_id,
        method: request.method,
        host: request.url.host,
        path: request.url.pathname,
        status,
        duration_ms: Math.max(0, this.clock.now().getTime() - started.getTime()),
        occurred_at: started.toISOString(),
      });
    let answer: OutboundResponse;
    try {
      const response = await this.http.send(request);
      this.metrics.relayed(response.status, this.clock.now().getTime() - started.getTime());
      answer = redactAnswer(response, secrets, {
        host: request.url.host,
        maxBytes: this.options.maxResponseBytes,
      });
    } catch (error) {
      await audit(statusOf(error));
      throw error;
    }
    await audit(answer.status);
    return answer;
  }

  /** The connection's credentials, reused while its record is unchanged and the cache entry is fresh. */
  private async credentialsOf(record: ConnectionRecord): Promise<CredentialPayload> {
    const key = `${record.organization_id}/${record.id}/${record.revision}`;
    const now = this.clock.now().getTime();
    const cached = this.cache.get(key);
    if (cached && cached.until > now) return cached.credentials;
    const credentials = await this.resolver.credentialsOf(record);
    this.cache.delete(key);
    if (this.cache.size >= 1000) this.cache.delete(this.cache.keys().next().value ?? "");
    this.cache.set(key, { credentials, until: now + Math.min(this.options.credentialCacheMs, 60_000) });
    return credentials;
  }
}
