import type { SecretMatch } from "./key-repository.ts";

/** How long one failed lookup makes the cache assume the store is down. */
const STORE_DOWN_HOLD_MS = 1_000;

export interface KeyCacheOptions {
  /** No entry is served older than this while the key store answers: the bound on how long a revoked key keeps working. */
  ttlMs: number;
  /**
   * While the key store cannot be reached, entries up to this old are still served: inference
   * goes on through a database outage for every key seen before it. Changes made before the
   * outage are already in the cache (the key-change watcher drops changed keys' entries).
   */
  staleMs?: number;
  /** Unknown hashes are cached too (as misses), so a flood of random keys cannot reach Postgres. */
  maxEntries?: number;
  now?: () => number;
  /** A background refresh failed; the entry is served until its TTL, then the lookup fails. */
  onRefreshError?: (err: unknown) => void;
  onLookup?: (result: "hit" | "miss" | "refresh" | "stale") => void;
}

interface Entry<V> {
  value: V | null;
  fetchedAt: number;
}

/**
 * Secret hash → key, for the hot path. An entry older than half the TTL is refreshed in the
 * background while it is still served, so a busy key never waits on Postgres; one older than
 * the TTL is served only while the key store is unreachable (up to `staleMs`). Concurrent
 * misses for one hash share one query. `V` lets other per-key lookups of the hot path (a
 * tenant's webhook signing key) keep the same rules.
 */
export class KeyCache<V = SecretMatch> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly inflight = new Map<string, Promise<V | null>>();
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** After a failed lookup, stale entries are served at once for this long, without waiting on the store again. */
  private storeDownUntil = 0;

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
    // Only a known value is served stale: a cached "no such key" may have been created since, and a
    // client told its valid key is wrong (401) would drop it; unknown during an outage is a 503.
    const usable = entry !== undefined && entry.value !== null && age < (this.options.staleMs ?? 0);
    if (usable && this.now() < this.storeDownUntil) return this.serveStale(hash, entry);
    this.options.onLookup?.("miss");
    try {
      return await this.fetch(hash);
    } catch (err) {
      this.storeDownUntil = this.now() + STORE_DOWN_HOLD_MS;
      if (usable) return this.serveStale(hash, entry);
      throw err;
    }
  }

  /**
   * Looks up again every entry whose value `matches` (a key that changed), so the cache holds its
   * new state (a revocation, an expiry): one that cannot be looked up now is dropped, and its next
   * lookup asks the store.
   */
  async reload(matches: (value: V) => boolean): Promise<void> {
    const changed = [...this.entries].filter(([, entry]) => entry.value !== null && matches(entry.value)).map(([hash]) => hash);
    await Promise.all(changed.map((hash) => this.fetch(hash).catch(() => void this.entries.delete(hash))));
  }

  private serveStale(hash: string, entry: Entry<V>): V | null {
    this.options.onLookup?.("stale");
    if (!this.inflight.has(hash)) this.fetch(hash).catch(() => (this.storeDownUntil = this.now() + STORE_DOWN_HOLD_MS));
    return entry.value;
  }

  /** Whether `get` would answer from memory: a lookup that costs no key-store query. */
  has(hash: string): boolean {
    const entry = this.entries.get(hash);
    return entry !== undefined && this.now() - entry.fetchedAt < this.options.ttlMs;
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
