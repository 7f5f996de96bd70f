import type { Clock } from "./clock.ts";

type Entries<V> = Map<string, { value: V; expiresAt: number }>;

/**
 * A small per-container cache whose entries expire after `ttlMs`. Warm Lambda containers keep it
 * between invocations, which is what keeps API-key and connector lookups off the hot path. Misses (a
 * load that found nothing) are kept apart from hits, each bounded by evicting its oldest entry, so a
 * flood of unknown keys can never push out the known ones.
 */
export class TtlCache<V> {
  private readonly hits: Entries<V> = new Map();
  private readonly misses: Entries<null> = new Map();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly maxEntries = 10_000,
  ) {}

  async getOrLoad<R extends V | null>(key: string, load: () => Promise<R>): Promise<R> {
    const now = this.clock.now().getTime();
    const cached = this.hits.get(key) ?? this.misses.get(key);
    if (cached && cached.expiresAt > now) return cached.value as R;
    const value = await load();
    this.delete(key);
    const entries: Entries<V | null> = value === null ? this.misses : this.hits;
    if (entries.size >= this.maxEntries) entries.delete(entries.keys().next().value ?? "");
    entries.set(key, { value, expiresAt: now + this.ttlMs });
    return value;
  }

  delete(key: string): void {
    this.hits.delete(key);
    this.misses.delete(key);
  }

  clear(): void {
    this.hits.clear();
    this.misses.clear();
  }
}
