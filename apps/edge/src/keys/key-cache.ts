import type { SecretMatch } from "./key-repository.ts";

export interface KeyCacheOptions {
  /** No entry is served older than this: the bound on how long a revoked key keeps working. */
  ttlMs: number;
  /** Unknown hashes are cached too (as misses), so a flood of random keys cannot reach Postgres. */
  maxEntries?: number;
  now?: () => number;
  /** A background refresh failed; the entry is served until its TTL, then the lookup fails. */
  onRefreshError?: (err: unknown) => void;
  onLookup?: (result: "hit" | "miss" | "refresh") => void;
}

interface Entry<V> {
  value: V | null;
  fetchedAt: number;
}

/**
 * Secret hash → key, for the hot path. An entry older than half the TTL is refreshed in the
 * background while it is still served, so a busy key never waits on Postgres; one older than
 * the TTL is never served. Concurrent misses for one hash share one query. `V` lets other
 * per-key lookups of the hot path (a tenant's webhook signing key) keep the same rules.
 */
export class KeyCache<V = SecretMatch> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly inflight = new Map<string, Promise<V | null>>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly load: (hash: string) => Promise<V | undefined>,
    private readonly options: KeyCacheOptions,
  ) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  async get(hash: string): Promise<V | null> {
    const entry = this.entries.get(hash);
    const age = entry ? this.now() - entry.fetchedAt : Infinity;
    if (entry && age < this.options.ttlMs) {
      if (age >= this.options.ttlMs / 2 && !this.inflight.has(hash)) {
        this.options.onLookup?.("refresh");
        this.fetch(hash).catch((err: unknown) => this.options.onRefreshError?.(err));
      } else {
        this.options.onLookup?.("hit");
      }
      return entry.value;
    }
    this.options.onLookup?.("miss");
    return this.fetch(hash);
  }

  /** Drops everything (tests, and a process that just changed keys itself). */
  clear(): void {
    this.entries.clear();
  }

  private fetch(hash: string): Promise<V | null> {
    const running = this.inflight.get(hash);
    if (running) return running;
    const fetchedAt = this.now();
    const promise = this.load(hash)
      .then((found) => {
        const value = found ?? null;
        this.entries.delete(hash);
        this.entries.set(hash, { value, fetchedAt });
        // Insertion order is fetch order: the first entry is the stalest.
        if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
        return value;
      })
      .finally(() => this.inflight.delete(hash));
    this.inflight.set(hash, promise);
    return promise;
  }
}
