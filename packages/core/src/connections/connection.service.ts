import { createHash } from "node:crypto";
import { requireMember } from "../api-keys/api-key.service.ts";
import type { Principal } from "../api-keys/api-key.ts";
import type { ConnectorService } from "../connectors/connector.service.ts";
import type { AuthType, Connector } from "../connectors/connector.ts";
import { findVersion } from "../connectors/connector.ts";
import type { Clock } from "../shared/clock.ts";
import type { CursorCodec } from "../shared/cursor.ts";
import { ForbiddenError, NotFoundError, PayloadTooLargeError, ValidationError } from "../shared/errors.ts";
import { newId } from "../shared/ids.ts";
import type { ConnectionStore } from "./connection.store.ts";
import type {
  AuthMethod,
  ConnectionRecord,
  ConnectionStatus,
  ValidCreateConnectionInput,
  ValidListConnectionsQuery,
} from "./connection.ts";
import type { CredentialPayload, CredentialVault } from "./credential-vault.ts";

/** Secrets Manager's limit on a secret value. */
export const MAX_SECRET_BYTES = 65_536;

const AUTH_TYPE_OF: Record<AuthMethod, AuthType> = {
  apiKey: "api_key",
  basic: "basic",
  bearer: "bearer",
  oauth2: "oauth2",
};

/**
 * A UUID-shaped ClientRequestToken derived from the operation, so that a retried write to Secrets
 * Manager is recognised as the same version instead of creating another.
 */
export function requestToken(connectionId: string, credentialsVersion: number): string {
  const hex = createHash("sha256").update(`${connectionId}:${credentialsVersion}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export class ConnectionService {
  constructor(
    private readonly store: ConnectionStore,
    private readonly vault: CredentialVault,
    private readonly connectors: ConnectorService,
    private readonly cursors: CursorCodec,
    private readonly clock: Clock,
  ) {}

  /**
   * Creates a connection. Ordering invariant: the secret is written first and the record second, so
   * a record never points at a missing secret; if the record cannot be written the secret is
   * deleted again (and the reconciler removes any that compensation could not).
   */
  async create(
    principal: Principal,
    connectorId: string,
    input: ValidCreateConnectionInput,
  ): Promise<ConnectionRecord> {
    const caller = requireMember(principal);
    const connector = await this.connectors.get(connectorId);
    checkAgainstConnector(connector, input);
    if (input.owner && input.owner !== caller.user_id && caller.role !== "admin") {
      throw new ForbiddenError("Only an admin may create a connection owned by another user");
    }
    const payload = credentialPayload(input);
    const now = this.clock.now().toISOString();
    const id = newId("conn");
    let arn: string | null = null;
    if (payload) {
      ({ arn } = await this.vault.create(
        { organizationId: caller.organization_id, connectionId: id, connectorId: connector.id },
        payload,
        requestToken(id, 1),
      ));
    }
    const record: ConnectionRecord = {
      id,
      organization_id: caller.organization_id,
      connector_id: connector.id,
      version: input.version ?? null,
      name: input.name,
      owner: input.owner ?? caller.user_id,
      access_scope: input.access_scope,
      is_service_account: input.is_service_account,
      status: initialStatus(connector, input),
      general_params: input.general_params,
      target_system_servers: input.target_system_servers,
      header_names: Object.keys(input.headers ?? {}),
      environment: input.environment,
      external_xref: input.external_xref ?? null,
      metadata: input.metadata,
      credentials: arn
        ? { auth_method: input.security?.authMethod ?? null, version: 1, updated_at: now, managed: true }
        : null,
      auth_aws_arn: arn,
      is_paused: false,
      last_healthy_at: null,
      last_unhealthy_at: null,
      redirect_url: input.redirect_url ?? null,
      created_at: now,
      updated_at: now,
      revision: 1,
    };
    try {
      await this.store.create(record);
    } catch (error) {
      if (arn) await this.vault.delete(arn, { force: true }).catch(() => undefined);
      throw error;
    }
    return record;
  }

  /** A connection the caller may see; anything else (another organization, another user's personal one) is 404. */
  async get(principal: Principal, id: string): Promise<ConnectionRecord> {
    const caller = requireMember(principal);
    const record = await this.store.get(caller.organization_id, id);
    if (!record || !(record.access_scope === "organizational" || record.owner === caller.user_id)) {
      throw new NotFoundError("connection", id);
    }
    return record;
  }

  async list(
    principal: Principal,
    query: ValidListConnectionsQuery,
  ): Promise<{ data: ConnectionRecord[]; next_cursor: string | null }> {
    const caller = requireMember(principal);
    const { limit, cursor, ...filters } = query;
    const scope = JSON.stringify([caller.organization_id, caller.user_id, Object.entries(filters).sort()]);
    const page = await this.store.list({
      organizationId: caller.organization_id,
      viewer: caller.user_id,
      filters,
      limit,
      ...(cursor ? { after: this.cursors.decode(scope, cursor) } : {}),
    });
    const last = page.items.at(-1);
    return {
      data: page.items,
      next_cursor: page.hasMore && last ? this.cursors.encode(scope, last.id) : null,
    };
  }
}

function checkAgainstConnector(connector: Connector, input: ValidCreateConnectionInput): void {
  if (!findVersion(connector, input.version)) {
    throw ValidationError.at(
      "version",
      "unknown_version",
      `Connector ${connector.id} has no version ${input.version}`,
    );
  }
  const method = input.security?.authMethod;
  if (method && AUTH_TYPE_OF[method] !== connector.auth_type) {
    throw ValidationError.at(
      "security.authMethod",
      "auth_method_mismatch",
      `Connector ${connector.id} uses auth_type ${connector.auth_type}; authMethod ${method} does not fit it`,
    );
  }
  if (input.redirect_url && connector.auth_type !== "oauth2") {
    throw ValidationError.at("redirect_url", "not_oauth2", "redirect_url applies only to OAuth2 connectors");
  }
}

function credentialPayload(input: ValidCreateConnectionInput): CredentialPayload | null {
  if (!input.security && !input.headers) return null;
  const payload: CredentialPayload = {
    ...(input.security ? { security: input.security } : {}),
    ...(input.headers ? { headers: input.headers } : {}),
  };
  if (Buffer.byteLength(JSON.stringify(payload)) > MAX_SECRET_BYTES) {
    throw new PayloadTooLargeError(`security and headers together exceed ${MAX_SECRET_BYTES} bytes`);
  }
  return payload;
}

function initialStatus(connector: Connector, input: ValidCreateConnectionInput): ConnectionStatus {
  if (connector.auth_type === "none" || input.security) return "active";
  return connector.auth_type === "oauth2" ? "pending_authorization" : "credentials_missing";
}
