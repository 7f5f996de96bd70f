import { randomInt } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { type AwsJsonResponse, AwsServiceError, ok } from "../aws-json.ts";
import { type Filter, filterPredicates } from "./filters.ts";
import {
  checkLength,
  invalidParameter,
  invalidRequest,
  type SecretValue,
  type Tag,
  validationError,
  validName,
  validSecretId,
  validStages,
  validTags,
  validToken,
  validValue,
} from "./validation.ts";

const CURRENT = "AWSCURRENT";
const PREVIOUS = "AWSPREVIOUS";
const MAX_UNLABELLED_VERSIONS = 100;
const DEFAULT_RECOVERY_WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;
const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** The request fields of the supported operations. They come off the wire, so each one is checked. */
export interface SecretsManagerInput {
  Name?: string;
  SecretId?: string;
  Description?: string;
  KmsKeyId?: string;
  ClientRequestToken?: string;
  SecretString?: string;
  SecretBinary?: string;
  VersionId?: string;
  VersionStage?: string;
  VersionStages?: string[];
  Tags?: Partial<Tag>[];
  TagKeys?: string[];
  RecoveryWindowInDays?: number;
  ForceDeleteWithoutRecovery?: boolean;
  MaxResults?: number;
  NextToken?: string;
  Filters?: Filter[];
  IncludePlannedDeletion?: boolean;
  SortOrder?: string;
}

interface SecretVersion {
  versionId: string;
  value: SecretValue;
  stages: string[];
  createdDate: number;
}

/** One secret; dates are epoch seconds, the wire format. */
interface StoredSecret {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Tag[];
  versions: SecretVersion[];
  createdDate: number;
  lastChangedDate: number;
  lastAccessedDate?: number;
  deletedDate?: number;
  deletionDate?: number;
}

export interface SecretsManagerEmulatorOptions {
  region: string;
  accountId: string;
  /** JSON file that holds the state across restarts; in memory when absent. */
  file?: string;
  now?: () => Date;
}

type Operation = (input: SecretsManagerInput) => object;

/**
 * connvault's AWS Secrets Manager emulator: the AWS JSON 1.1 operations connvault uses, with the
 * validation, versioning, deletion and error semantics of the real service (see the emulator contract).
 */
export class SecretsManagerEmulator {
  private readonly secrets = new Map<string, StoredSecret>();
  private readonly arnPrefix: string;
  private readonly file: string | undefined;
  private readonly now: () => Date;
  private dirty = false;
  private readonly operations = new Map<string, Operation>([
    ["CreateSecret", (input) => this.createSecret(input)],
    ["PutSecretValue", (input) => this.putSecretValue(input)],
    ["GetSecretValue", (input) => this.getSecretValue(input)],
    ["DescribeSecret", (input) => this.describeSecret(input)],
    ["DeleteSecret", (input) => this.deleteSecret(input)],
    ["RestoreSecret", (input) => this.restoreSecret(input)],
    ["ListSecrets", (input) => this.listSecrets(input)],
    ["TagResource", (input) => this.tagResource(input)],
    ["UntagResource", (input) => this.untagResource(input)],
  ]);

  constructor(options: SecretsManagerEmulatorOptions) {
    this.arnPrefix = `arn:aws:secretsmanager:${options.region}:${options.accountId}:secret:`;
    this.file = options.file;
    this.now = options.now ?? (() => new Date());
    if (this.file && existsSync(this.file)) {
      const state = JSON.parse(readFileSync(this.file, "utf8")) as { secrets: StoredSecret[] };
      for (const secret of state.secrets) this.secrets.set(secret.name, secret);
    }
  }

  handle(operation: string, input: SecretsManagerInput | null): AwsJsonResponse {
    const run = this.operations.get(operation);
    if (!run)
      throw new AwsServiceError("UnknownOperationException", `Operation ${operation} is not supported`);
    try {
      this.purgeExpired();
      return ok(run(input ?? {}));
    } finally {
      if (this.dirty) this.flush();
    }
  }

  /** Writes the state to the file (temp file, then rename); does nothing in memory mode. */
  flush(): void {
    this.dirty = false;
    if (!this.file) return;
    const temp = `${this.file}.tmp`;
    writeFileSync(temp, JSON.stringify({ secrets: [...this.secrets.values()] }));
    renameSync(temp, this.file);
  }

  private createSecret(input: SecretsManagerInput): object {
    const name = validName(input.Name);
    // A secret may be created empty: no version until the first PutSecretValue.
    const empty = input.SecretString === undefined && input.SecretBinary === undefined;
    const token = empty ? undefined : validToken(input.ClientRequestToken);
    const value = empty ? undefined : validValue(input);
    checkLength(input.Description, "Description", 0, 2048);
    checkLength(input.KmsKeyId, "KmsKeyId", 0, 2048);
    const tags = validTags(input.Tags);
    const existing = this.secrets.get(name);
    if (existing?.deletedDate !== undefined) {
      throw invalidRequest(
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
      );
    }
    if (existing) {
      const replayed = existing.versions.find((version) => version.versionId === token);
      if (!replayed || !value || !sameValue(replayed.value, value)) {
        throw new AwsServiceError(
          "ResourceExistsException",
          `The operation failed because the secret ${name} already exists.`,
        );
      }
      return { ARN: existing.arn, Name: name, VersionId: token };
    }
    const now = this.timestamp();
    const secret: StoredSecret = {
      arn: this.newArn(name),
      name,
      description: input.Description || undefined,
      kmsKeyId: input.KmsKeyId || undefined,
      tags: upsertTags([], tags),
      versions: token && value ? [{ versionId: token, value, stages: [CURRENT], createdDate: now }] : [],
      createdDate: now,
      lastChangedDate: now,
    };
    this.secrets.set(name, secret);
    this.dirty = true;
    return { ARN: secret.arn, Name: name, ...(token ? { VersionId: token } : {}) };
  }

  private putSecretValue(input: SecretsManagerInput): object {
    const secret = this.activeSecret(input.SecretId);
    const token = validToken(input.ClientRequestToken);
    const value = validValue(input);
    const stages = validStages(input.VersionStages) ?? [CURRENT];
    const existing = secret.versions.find((version) => version.versionId === token);
    if (existing && !sameValue(existing.value, value)) {
      throw new AwsServiceError(
        "ResourceExistsException",
        `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${secret.arn}.`,
      );
    }
    const version = existing ?? this.addVersion(secret, token, value, stages);
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      VersionStages: version.stages,
    };
  }

  private getSecretValue(input: SecretsManagerInput): object {
    const secret = this.activeSecret(input.SecretId);
    const version = findVersion(secret, input.VersionId, input.VersionStage);
    this.recordAccess(secret);
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      ...version.value,
      VersionStages: version.stages,
      CreatedDate: version.createdDate,
    };
  }

  private describeSecret(input: SecretsManagerInput): object {
    const secret = this.existingSecret(input.SecretId);
    return { ...metadata(secret), VersionIdsToStages: versionsToStages(secret) };
  }

  private deleteSecret(input: SecretsManagerInput): object {
    const id = validSecretId(input.SecretId);
    const force = input.ForceDeleteWithoutRecovery === true;
    const windowDays = input.RecoveryWindowInDays;
    if (force && windowDays !== undefined) {
      throw invalidParameter(
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
      );
    }
    if (windowDays !== undefined && !(Number.isInteger(windowDays) && windowDays >= 7 && windowDays <= 30)) {
      throw invalidParameter("The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
    }
    const secret = this.findSecret(id);
    const now = this.timestamp();
    if (force) {
      /* AWS answers a forced delete of a missing secret as if the secret existed. */
      const { arn, name } = secret ?? this.missingSecretIdentity(id);
      if (secret) {
        this.secrets.delete(secret.name);
        this.dirty = true;
      }
      return { ARN: arn, Name: name, DeletionDate: now };
    }
    if (!secret) throw secretNotFound();
    if (secret.deletedDate !== undefined) {
      throw invalidRequest("You tried to perform the operation on a secret that's currently marked deleted.");
    }
    secret.deletedDate = now;
    secret.deletionDate = now + ((windowDays ?? DEFAULT_RECOVERY_WINDOW_DAYS) * DAY_MS) / 1000;
    secret.lastChangedDate = now;
    this.dirty = true;
    return { ARN: secret.arn, Name: secret.name, DeletionDate: secret.deletionDate };
  }

  private restoreSecret(input: SecretsManagerInput): object {
    const secret = this.existingSecret(input.SecretId);
    if (secret.deletedDate !== undefined) {
      delete secret.deletedDate;
      delete secret.deletionDate;
      secret.lastChangedDate = this.timestamp();
      this.dirty = true;
    }
    return { ARN: secret.arn, Name: secret.name };
  }

  private listSecrets(input: SecretsManagerInput): object {
    const pageSize = input.MaxResults ?? 100;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
      throw validationError("MaxResults must be an integer between 1 and 100.");
    }
    if (input.SortOrder !== undefined && input.SortOrder !== "asc" && input.SortOrder !== "desc") {
      throw invalidParameter("SortOrder must be asc or desc.");
    }
    const filters = filterPredicates(input.Filters);
    const offset = input.NextToken === undefined ? 0 : decodeNextToken(input.NextToken);
    // The map keeps creation order, which is the CreatedDate order AWS sorts by.
    const matching = [...this.secrets.values()].filter(
      (secret) =>
        (input.IncludePlannedDeletion === true || secret.deletedDate === undefined) &&
        filters.every((matches) => matches(secret)),
    );
    if (input.SortOrder === "desc") matching.reverse();
    const end = offset + pageSize;
    return {
      SecretList: matching
        .slice(offset, end)
        .map((secret) => ({ ...metadata(secret), SecretVersionsToStages: versionsToStages(secret) })),
      NextToken: end < matching.length ? encodeNextToken(end) : undefined,
    };
  }

  private tagResource(input: SecretsManagerInput): object {
    const secret = this.activeSecret(input.SecretId);
    secret.tags = upsertTags(secret.tags, validTags(input.Tags));
    secret.lastChangedDate = this.timestamp();
    this.dirty = true;
    return {};
  }

  private untagResource(input: SecretsManagerInput): object {
    const secret = this.activeSecret(input.SecretId);
    const keys = new Set(input.TagKeys ?? []);
    secret.tags = secret.tags.filter((tag) => !keys.has(tag.Key));
    secret.lastChangedDate = this.timestamp();
    this.dirty = true;
    return {};
  }

  /**
   * Attaches the stages to a new version, taking them off every other version. When AWSCURRENT moves,
   * the version that had it becomes AWSPREVIOUS; versions left without a stage are deprecated, and only
   * the newest 100 of those are kept.
   */
  private addVersion(
    secret: StoredSecret,
    versionId: string,
    value: SecretValue,
    stages: string[],
  ): SecretVersion {
    const now = this.timestamp();
    const version: SecretVersion = { versionId, value, stages, createdDate: now };
    const previous = stages.includes(CURRENT)
      ? secret.versions.find((other) => other.stages.includes(CURRENT))
      : undefined;
    for (const other of secret.versions) {
      other.stages = other.stages.filter(
        (stage) => !stages.includes(stage) && !(previous && stage === PREVIOUS),
      );
    }
    previous?.stages.push(PREVIOUS);
    secret.versions.push(version);
    // AWS removes unlabelled versions beyond 100, but never one created in the last 24 hours.
    const unlabelled = secret.versions.filter((other) => other.stages.length === 0);
    const dropped = new Set(
      unlabelled
        .slice(0, Math.max(0, unlabelled.length - MAX_UNLABELLED_VERSIONS))
        .filter((other) => now - other.createdDate >= DAY_MS / 1000),
    );
    secret.versions = secret.versions.filter((other) => !dropped.has(other));
    secret.lastChangedDate = now;
    this.dirty = true;
    return version;
  }

  /** AWS records LastAccessedDate at day granularity (midnight UTC). */
  private recordAccess(secret: StoredSecret): void {
    const today = (Math.floor(this.now().getTime() / DAY_MS) * DAY_MS) / 1000;
    if (secret.lastAccessedDate === today) return;
    secret.lastAccessedDate = today;
    this.dirty = true;
  }

  private purgeExpired(): void {
    const now = this.timestamp();
    for (const secret of this.secrets.values()) {
      if (secret.deletionDate !== undefined && secret.deletionDate <= now) {
        this.secrets.delete(secret.name);
        this.dirty = true;
      }
    }
  }

  /** Looks a secret up by name, full ARN or partial ARN (the ARN without its `-XXXXXX` suffix). */
  private findSecret(id: string): StoredSecret | undefined {
    if (!id.startsWith("arn:")) return this.secrets.get(id);
    for (const secret of this.secrets.values()) {
      if (secret.arn === id || secret.arn.slice(0, -7) === id) return secret;
    }
    return undefined;
  }

  private existingSecret(secretId: string | undefined): StoredSecret {
    const secret = this.findSecret(validSecretId(secretId));
    if (!secret) throw secretNotFound();
    return secret;
  }

  /** A secret that is not scheduled for deletion, as every read or write of its value requires. */
  private activeSecret(secretId: string | undefined): StoredSecret {
    const secret = this.existingSecret(secretId);
    if (secret.deletedDate !== undefined) {
      throw invalidRequest(
        "You can't perform this operation on the secret because it was marked for deletion.",
      );
    }
    return secret;
  }

  private missingSecretIdentity(id: string): { arn: string; name: string } {
    if (id.startsWith("arn:")) return { arn: id, name: id.slice(id.lastIndexOf(":") + 1) };
    return { arn: this.newArn(id), name: id };
  }

  private newArn(name: string): string {
    const suffix = Array.from({ length: 6 }, () => ALPHANUMERIC.charAt(randomInt(ALPHANUMERIC.length))).join(
      "",
    );
    return `${this.arnPrefix}${name}-${suffix}`;
  }

  private timestamp(): number {
    return this.now().getTime() / 1000;
  }
}

function metadata(secret: StoredSecret): object {
  return {
    ARN: secret.arn,
    Name: secret.name,
    Description: secret.description,
    KmsKeyId: secret.kmsKeyId,
    CreatedDate: secret.createdDate,
    LastChangedDate: secret.lastChangedDate,
    LastAccessedDate: secret.lastAccessedDate,
    DeletedDate: secret.deletedDate,
    Tags: secret.tags.length > 0 ? secret.tags : undefined,
  };
}

function versionsToStages(secret: StoredSecret): Record<string, string[]> {
  return Object.fromEntries(
    secret.versions.filter((version) => version.stages.length > 0).map((v) => [v.versionId, v.stages]),
  );
}

function findVersion(secret: StoredSecret, versionId?: string, versionStage?: string): SecretVersion {
  if (versionId !== undefined) {
    const version = secret.versions.find((candidate) => candidate.versionId === versionId);
    if (!version) {
      throw secretNotFound(
        `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
      );
    }
    if (versionStage !== undefined && !version.stages.includes(versionStage)) {
      throw invalidRequest("You provided a VersionStage that is not associated to the provided VersionId.");
    }
    return version;
  }
  const stage = versionStage ?? CURRENT;
  const version = secret.versions.find((candidate) => candidate.stages.includes(stage));
  if (!version) {
    throw secretNotFound(`Secrets Manager can't find the specified secret value for staging label: ${stage}`);
  }
  return version;
}

function sameValue(a: SecretValue, b: SecretValue): boolean {
  return a.SecretString === b.SecretString && a.SecretBinary === b.SecretBinary;
}

function upsertTags(current: Tag[], changes: Tag[]): Tag[] {
  const byKey = new Map(current.map((tag) => [tag.Key, tag]));
  for (const tag of changes) byKey.set(tag.Key, tag);
  return [...byKey.values()];
}

function encodeNextToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64url");
}

function decodeNextToken(token: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (!match?.[1]) throw new AwsServiceError("InvalidNextTokenException", "The NextToken value is invalid.");
  return Number(match[1]);
}

function secretNotFound(message = "Secrets Manager can't find the specified secret."): AwsServiceError {
  return new AwsServiceError("ResourceNotFoundException", message);
}
