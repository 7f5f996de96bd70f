import type { Principal } from "../api-keys/api-key.ts";
import type { ConnectionService } from "../connections/connection.service.ts";
import { type ConnectionRecord, DEFAULT_ENVIRONMENT } from "../connections/connection.ts";
import { ConnectorNotFoundError } from "../connectors/connector.errors.ts";
import type { ConnectorService } from "../connectors/connector.service.ts";
import { ValidationError } from "../shared/errors.ts";
import type { Replayable } from "../shared/idempotency.ts";
import type {
  CreateUnifiedConnectionInput,
  ListUnifiedConnectionsQuery,
  UnifiedConnectionInput,
} from "./unified.ts";

/** unified.to lists with limit/offset; connvault reads at most this many connections to answer one. */
export const UNIFIED_LIST_SCAN_LIMIT = 10_000;
const PAGE = 100;

/**
 * unified.to's Connection API mapped onto connvault's connections: `integration_type` is the
 * connector, `auth` the write-only credentials, `workspace_id` the organization. Connections made
 * here are organizational and owned by the calling key's user.
 */
export class UnifiedConnectionService {
  constructor(
    private readonly connections: ConnectionService,
    private readonly connectors: ConnectorService,
  ) {}

  async create(
    principal: Principal,
    input: CreateUnifiedConnectionInput,
    idempotencyKey?: string,
  ): Promise<Replayable<ConnectionRecord>> {
    const connector = await this.knownConnector(input.integration_type);
    return this.connections.create(
      principal,
      connector.id,
      {
        name: input.integration_name ?? connector.name,
        general_params: [],
        target_system_servers: [],
        access_scope: "organizational",
        is_service_account: false,
        environment: input.environment ?? DEFAULT_ENVIRONMENT,
        metadata: {},
        permissions: input.permissions ?? [],
        categories: input.categories ?? [],
        is_paused: input.is_paused ?? false,
        ...(input.external_xref !== undefined ? { external_xref: input.external_xref } : {}),
        ...(input.auth ? { auth: input.auth } : {}),
        ...(input.auth_aws_arn ? { auth_aws_arn: input.auth_aws_arn } : {}),
      },
      idempotencyKey,
    );
  }

  get(principal: Principal, id: string): Promise<ConnectionRecord> {
    return this.connections.get(principal, id);
  }

  /** PATCH and PUT alike: the fields sent replace the stored ones; `auth` rotates the credentials. */
  async update(principal: Principal, id: string, input: UnifiedConnectionInput): Promise<ConnectionRecord> {
    const current = await this.connections.get(principal, id);
    if (input.integration_type !== undefined && input.integration_type !== current.connector_id) {
      throw ValidationError.at("integration_type", "immutable", "integration_type cannot change");
    }
    if (input.auth_aws_arn !== undefined && !sameSecret(current.auth_aws_arn, input.auth_aws_arn)) {
      throw ValidationError.at("auth_aws_arn", "immutable", "Adopt another secret by creating a connection");
    }
    if (input.auth) await this.connections.rotateCredentials(principal, id, { auth: input.auth });
    return this.connections.update(principal, id, {
      ...(input.integration_name !== undefined ? { name: input.integration_name } : {}),
      ...(input.permissions !== undefined ? { permissions: input.permissions } : {}),
      ...(input.categories !== undefined ? { categories: input.categories } : {}),
      ...(input.external_xref !== undefined ? { external_xref: input.external_xref } : {}),
      ...(input.environment !== undefined ? { environment: input.environment } : {}),
      ...(input.is_paused !== undefined ? { is_paused: input.is_paused } : {}),
    });
  }

  delete(principal: Principal, id: string): Promise<void> {
    return this.connections.delete(principal, id, { force: false });
  }

  /** unified.to's list: filter, sort and offset over the caller's visible connections. */
  async list(principal: Principal, query: ListUnifiedConnectionsQuery): Promise<ConnectionRecord[]> {
    const matches: ConnectionRecord[] = [];
    let cursor: string | undefined;
    // Pages, not matches, bound the work: a filtered page may be short or empty (its read budget).
    let pages = 0;
    do {
      const page = await this.connections.list(principal, {
        limit: PAGE,
        ...(query.external_xref !== undefined ? { external_xref: query.external_xref } : {}),
        ...(cursor ? { cursor } : {}),
      });
      pages += 1;
      matches.push(...page.data.filter((record) => matchesUnified(record, query)));
      cursor = page.next_cursor ?? undefined;
    } while (cursor && pages * PAGE < UNIFIED_LIST_SCAN_LIMIT);
    const direction = query.order === "asc" ? 1 : -1;
    matches.sort(
      (a, b) => direction * (a[query.sort] < b[query.sort] ? -1 : a[query.sort] > b[query.sort] ? 1 : 0),
    );
    return matches.slice(query.offset, query.offset + query.limit);
  }

  private async knownConnector(id: string) {
    try {
      return await this.connectors.get(id);
    } catch (error) {
      if (error instanceof ConnectorNotFoundError) {
        const hint = error.suggestion ? `; did you mean ${error.suggestion}?` : "";
        throw ValidationError.at(
          "integration_type",
          "unknown_connector",
          `No connector ${id} in the catalog${hint}`,
        );
      }
      throw error;
    }
  }
}

function matchesUnified(record: ConnectionRecord, query: ListUnifiedConnectionsQuery): boolean {
  if (query.updated_gte && Date.parse(record.updated_at) < Date.parse(query.updated_gte)) return false;
  if (query.env !== undefined && record.environment.toLowerCase() !== query.env.toLowerCase()) return false;
  return (
    query.categories.length === 0 || query.categories.some((category) => record.categories.includes(category))
  );
}

/**
 * Whether `given` (an ARN, a partial ARN without Secrets Manager's "-XXXXXX" suffix, or a name) names
 * the secret whose full ARN is `arn`.
 */
function sameSecret(arn: string | null, given: string): boolean {
  if (!arn) return false;
  const full = arn.slice(0, -7);
  return (
    given === arn || given === full || given === full.slice(full.indexOf(":secret:") + ":secret:".length)
  );
}
