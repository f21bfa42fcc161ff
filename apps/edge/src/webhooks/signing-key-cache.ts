import type { WebhookSigningKey } from "../generated/prisma/client.ts";
import { KeyCache } from "../keys/key-cache.ts";

export interface SigningKeyCacheOptions {
  /** How long an entry is used as it is: how soon a new secret or a rotation reaches every replica. */
  ttlMs: number;
  now?: () => number;
  /** Postgres failed and the last known entry was used instead. */
  onStale?: () => void;
}

/**
 * Tenant → its webhook signing key (or none), so a job with a webhook costs no Postgres query of
 * its own: the API keys' cache (refreshed in the background after half the TTL, concurrent
 * misses sharing one query). A signing key is served stale however old while Postgres cannot
 * answer: versions change rarely, and a stale one at worst signs with a version the receiver has
 * already dropped. With nothing known about the tenant, the lookup fails.
 */
export class SigningKeyCache {
  private readonly cache: KeyCache<WebhookSigningKey>;

  constructor(load: (tenantId: string) => Promise<WebhookSigningKey | null>, options: SigningKeyCacheOptions) {
    this.cache = new KeyCache(async (tenantId) => (await load(tenantId)) ?? undefined, {
      ttlMs: options.ttlMs,
      staleMs: Number.POSITIVE_INFINITY,
      ...(options.now && { now: options.now }),
      onLookup: (result) => result === "stale" && options.onStale?.(),
    });
  }

  get(tenantId: string): Promise<WebhookSigningKey | null> {
    return this.cache.get(tenantId);
  }

  /** After this replica changed a secret: the change is used here at once, not after the TTL. */
  clear(): void {
    this.cache.clear();
  }
}
