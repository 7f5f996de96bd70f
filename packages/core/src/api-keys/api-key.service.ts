import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../shared/clock.ts";
import { ConflictError, NotFoundError, UnauthorizedError } from "../shared/errors.ts";
import { hmacKey } from "../shared/hmac-key.ts";
import type { Replayable } from "../shared/idempotency.ts";
import { deterministicId, IdempotencyKeyReusedError } from "../shared/idempotency.ts";
import { isWellFormedId, newId } from "../shared/ids.ts";
import { TtlCache } from "../shared/ttl-cache.ts";
import type { ApiKeyStore } from "./api-key.store.ts";
import type { ApiKey, CreateApiKeyInput, Principal } from "./api-key.ts";
import { requireAdmin } from "./principal.ts";

export const API_KEY_PREFIX = "cvk_";

export interface IssuedKey {
  apiKey: ApiKey;
  /** The raw key: in this response only. */
  key: string;
}

/** A new random API key: `cvk_` + 32 random bytes in base64url (256 bits of entropy). */
export const generateApiKey = (): string => API_KEY_PREFIX + randomBytes(32).toString("base64url");

/** Keys carry 256 bits of entropy, so an unsalted SHA-256 is a safe lookup hash (as in Unkey). */
export const hashApiKey = (key: string): string => createHash("sha256").update(key).digest("hex");

export interface ApiKeyServiceOptions {
  /** Only the api function has it: elsewhere no key authenticates as root. */
  rootApiKey?: string;
  /**
   * Derives the key issued under an Idempotency-Key from its id, so a replay can answer with the
   * same key although only its hash is stored.
   */
  derivationKey?: Buffer;
  /** How long a warm container trusts a cached lookup; bounds how long a revoked key keeps working. */
  cacheTtlMs: number;
}

export class ApiKeyService {
  private readonly cache: TtlCache<ApiKey>;
  private readonly rootHash: Buffer | undefined;

  constructor(
    private readonly store: ApiKeyStore,
    private readonly clock: Clock,
    private readonly options: ApiKeyServiceOptions,
  ) {
    this.cache = new TtlCache(options.cacheTtlMs, clock);
    this.rootHash = options.rootApiKey ? Buffer.from(hashApiKey(options.rootApiKey), "hex") : undefined;
  }

  /** Resolves a raw key to its principal; unknown or revoked keys are rejected. */
  async authenticate(rawKey: string | undefined): Promise<Principal> {
    if (!rawKey?.startsWith(API_KEY_PREFIX) || rawKey.length > 256) throw new UnauthorizedError();
    const hash = hashApiKey(rawKey);
    if (this.rootHash && timingSafeEqual(Buffer.from(hash, "hex"), this.rootHash)) return { kind: "root" };
    const key = await this.cache.getOrLoad(hash, () => this.store.findByHash(hash));
    if (!key || key.revoked_at) throw new UnauthorizedError("The API key is unknown or revoked");
    return {
      kind: "key",
      organization_id: key.organization_id,
      user_id: key.user_id,
      role: key.role,
      api_key_id: key.id,
    };
  }

  /**
   * Issues a key for an organization; the raw key is returned once and only its hash is kept. With
   * an Idempotency-Key the id and the key are functions of it, so a replay returns the same key.
   */
  async issue(
    organizationId: string,
    input: CreateApiKeyInput,
    idempotencyKey?: string,
  ): Promise<Replayable<IssuedKey>> {
    const id = idempotencyKey
      ? deterministicId("key", organizationId, "api-key", idempotencyKey)
      : newId("key");
    const key = idempotencyKey
      ? API_KEY_PREFIX +
        createHmac("sha256", hmacKey(this.options.derivationKey, "api-key")).update(id).digest("base64url")
      : generateApiKey();
    const apiKey: ApiKey = {
      id,
      organization_id: organizationId,
      user_id: input.user_id,
      role: input.role,
      name: input.name ?? null,
      created_at: this.clock.now().toISOString(),
      revoked_at: null,
    };
    const hash = hashApiKey(key);
    if (await this.store.put(apiKey, hash)) return { result: { apiKey, key }, replayed: false };
    const existing = idempotencyKey ? await this.store.findByHash(hash) : null;
    const same =
      existing?.organization_id === organizationId &&
      existing.user_id === apiKey.user_id &&
      existing.role === apiKey.role &&
      existing.name === apiKey.name;
    if (!existing || !same) throw new IdempotencyKeyReusedError();
    if (existing.revoked_at) {
      throw new ConflictError(
        "api_key_exists",
        "The key issued under this Idempotency-Key has been revoked; send another Idempotency-Key",
      );
    }
    return { result: { apiKey: existing, key }, replayed: true };
  }

  /**
   * An id that is a function of `parts` and of this deployment's api-key HMAC key (distinct label),
   * so the same Idempotency-Key names different resources in different deployments.
   */
  derivedId(prefix: string, ...parts: string[]): string {
    const digest = createHmac("sha256", hmacKey(this.options.derivationKey, "api-key"))
      .update(["derived-id", ...parts].join("\n"))
      .digest("hex");
    return deterministicId(prefix, digest);
  }

  create(principal: Principal, input: CreateApiKeyInput, idempotencyKey?: string) {
    return this.issue(requireAdmin(principal).organization_id, input, idempotencyKey);
  }

  list(principal: Principal): Promise<ApiKey[]> {
    return this.store.listByOrganization(requireAdmin(principal).organization_id);
  }

  async revoke(principal: Principal, id: string): Promise<void> {
    const admin = requireAdmin(principal);
    if (!isWellFormedId(id)) throw new NotFoundError("api_key", id);
    const hash = await this.store.revoke(admin.organization_id, id, this.clock.now().toISOString());
    if (!hash) throw new NotFoundError("api_key", id);
    this.cache.delete(hash);
  }
}
