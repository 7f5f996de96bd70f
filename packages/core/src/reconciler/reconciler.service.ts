import { SecretMissingError, SecretNotAdoptableError } from "../connections/connection.errors.ts";
import type { ConnectionService } from "../connections/connection.service.ts";
import type { ConnectionStore } from "../connections/connection.store.ts";
import type { ConnectionRecord } from "../connections/connection.ts";
import type {
  CredentialVault,
  InventoriedSecret,
  SecretDescription,
  SecretInventory,
} from "../secrets/secrets.ports.ts";
import type { Clock } from "../shared/clock.ts";
import type { ReconcilerCursorStore } from "./reconciler.store.ts";

export interface ReconcilerOptions {
  /** At most this many secrets are listed per run. */
  maxSecrets: number;
  /** At most this many connection records are checked per run. */
  maxRecords: number;
  /**
   * A secret without a record is removed only once it has been unchanged this long, so a create in
   * flight (secret written, record not yet) is never touched.
   */
  graceMs: number;
}

export const DEFAULT_RECONCILER_OPTIONS: ReconcilerOptions = {
  maxSecrets: 1_000,
  maxRecords: 1_000,
  graceMs: 60 * 60_000,
};

export interface ReconcilerReport {
  secretsScanned: number;
  /** Secrets without a record, now scheduled for deletion (recoverable during the window). */
  orphansDeleted: number;
  recordsScanned: number;
  /** Records whose secret was gone, scheduled for deletion or (adopted) untagged, now marked credentials_missing. */
  recordsMarked: number;
  /** A bound stopped the run; the next run continues where this one stopped. */
  truncated: boolean;
  /** Items that failed (names and ids only, never a value); the run went on, and a later pass retries them. */
  failures: { item: string; error: string }[];
}

export const SECRET_GONE_REASON = "The credentials' secret no longer exists";
export const SECRET_SCHEDULED_REASON = "The credentials' secret is scheduled for deletion";
export const SECRET_NOT_ADOPTABLE_REASON =
  "The adopted secret no longer exists or is no longer tagged for the connection's organization";

/** Items per ListSecrets or Scan call (ListSecrets allows at most 100). */
const PAGE_SIZE = 100;

/**
 * Keeps the table and Secrets Manager in step (storage invariant 2), on a schedule:
 * - a secret under `<prefix>/connections/` whose connection has no record, unchanged for longer than
 *   the grace period, is deleted with the recovery window;
 * - a record whose secret (managed or adopted) is gone or scheduled for deletion, or whose adopted
 *   secret is no longer tagged for the record's organization, stops pointing at it
 *   and becomes credentials_missing (pending_authorization for OAuth2), which the events function
 *   publishes as `connection.health_changed`.
 * Each run is bounded; where a bound stopped it is kept, and the next run continues from there.
 * Running it again changes nothing. It never reads a secret's value.
 */
export class ReconcilerService {
  constructor(
    private readonly records: ConnectionStore,
    private readonly connections: ConnectionService,
    private readonly vault: CredentialVault,
    private readonly inventory: SecretInventory,
    private readonly cursors: ReconcilerCursorStore,
    private readonly clock: Clock,
  ) {}

  async run(options: Partial<ReconcilerOptions> = {}): Promise<ReconcilerReport> {
    const { maxSecrets, maxRecords, graceMs } = { ...DEFAULT_RECONCILER_OPTIONS, ...options };
    const report: ReconcilerReport = {
      secretsScanned: 0,
      orphansDeleted: 0,
      recordsScanned: 0,
      recordsMarked: 0,
      truncated: false,
      failures: [],
    };
    const start = await this.cursors.load();
    const cutoff = this.clock.now().getTime() - graceMs;

    let secrets = start.secrets;
    do {
      const page = await this.inventory.listManaged(
        secrets,
        Math.min(PAGE_SIZE, Math.max(1, maxSecrets - report.secretsScanned)),
      );
      secrets = page.cursor;
      for (const secret of page.secrets) {
        report.secretsScanned++;
        if (await this.attempt(report, `secret ${secret.name}`, () => this.removeOrphan(secret, cutoff)))
          report.orphansDeleted++;
      }
    } while (secrets && report.secretsScanned < maxSecrets);

    let records = start.records;
    do {
      const page = await this.records.scanConnections(
        records,
        Math.min(PAGE_SIZE, Math.max(1, maxRecords - report.recordsScanned)),
      );
      records = page.cursor;
      for (const record of page.items) {
        report.recordsScanned++;
        const item = `connection ${record.organization_id}/${record.id}`;
        if (await this.attempt(report, item, () => this.markIfSecretGone(record))) report.recordsMarked++;
      }
    } while (records && report.recordsScanned < maxRecords);

    report.truncated = secrets !== null || records !== null;
    if (secrets !== start.secrets || records !== start.records) await this.cursors.save({ secrets, records });
    return report;
  }

  /** Deletes (with the recovery window) a settled secret whose connection has no record. */
  private async removeOrphan(secret: InventoriedSecret, cutoff: number): Promise<boolean> {
    if (secret.deleted || !secret.owner || secret.lastChangedAt.getTime() > cutoff) return false;
    const { organizationId, connectionId } = secret.owner;
    if (await this.records.get(organizationId, connectionId)) return false;
    try {
      await this.vault.delete(secret.arn, { force: false });
      return true;
    } catch (error) {
      // Gone or already scheduled for deletion since it was listed: nothing left to do.
      if (error instanceof SecretMissingError) return false;
      throw error;
    }
  }

  /** Marks a record whose secret can no longer be used (DescribeSecret only). */
  private async markIfSecretGone(record: ConnectionRecord): Promise<boolean> {
    const arn = record.auth_aws_arn;
    const reason = arn ? await this.secretProblem(record, arn) : null;
    if (!arn || !reason) return false;
    return (
      (await this.connections.markCredentialsMissing(record.organization_id, record.id, reason, arn)) !== null
    );
  }

  /**
   * Why a record's secret is unusable: gone, scheduled for deletion, or (adopted) no longer tagged for
   * the record's organization. On AWS an adopted secret that was deleted or untagged answers
   * AccessDenied (SecretNotAdoptableError), which means one or the other; null when it is fine.
   */
  private async secretProblem(record: ConnectionRecord, arn: string): Promise<string | null> {
    const adopted = record.credentials?.managed === false;
    let secret: SecretDescription | null;
    try {
      secret = await this.vault.describe(arn);
    } catch (error) {
      if (adopted && error instanceof SecretNotAdoptableError) return SECRET_NOT_ADOPTABLE_REASON;
      throw error;
    }
    if (!secret) return SECRET_GONE_REASON;
    if (secret.scheduledForDeletion) return SECRET_SCHEDULED_REASON;
    if (adopted && secret.tags["connvault:organization_id"] !== record.organization_id)
      return SECRET_NOT_ADOPTABLE_REASON;
    return null;
  }

  /** One item's work; a failure is reported and the run goes on. */
  private async attempt(report: ReconcilerReport, item: string, work: () => Promise<boolean>) {
    try {
      return await work();
    } catch (error) {
      report.failures.push({ item, error: error instanceof Error ? error.name : "Error" });
      return false;
    }
  }
}
