import type { WebhookSigningKey } from "../generated/prisma/client.ts";
import { KeyCache } from "../keys/key-cache.ts";

export interface SigningKeyCacheOptions {
  /** How long an entry is used as it is: how soon a new secret or a rotation reaches every replica. */
  ttlMs: number;
  now?: () => number;
  /** Postgres failed and the last known entry was used instead. */
  onStale?: (err: unknown) => void;
}

/**
 * Tenant → its webhook signing key (or none), so a job with a webhook costs no Postgres query of
 * its own: the API keys' cache rules (refreshed in the background after half the TTL, concurrent
 * misses sharing one query). Unlike a key, a signing key may be served stale when Postgres cannot
 * answer: versions change rarely, and a stale one at worst signs with a version the receiver has
 * already dropped. With nothing known about the tenant, the lookup fails.
 */
export class SigningKeyCache {
  private readonly cache: KeyCache<WebhookSigningKey>;
  /** One entry per tenant that sent a webhook job: bounded by the tenants, not the jobs. */
  private readonly lastKnown = new Map<string, WebhookSigningKey | null>();

  constructor(
    load: (tenantId: string) => Promise<WebhookSigningKey | null>,
    private readonly options: SigningKeyCacheOptions,
  ) {
    this.cache = new KeyCache(async (tenantId) => (await load(tenantId)) ?? undefined, {
      ttlMs: options.ttlMs,
      ...(options.now && { now: options.now }),
      ...(options.onStale && { onRefreshError: options.onStale }),
    });
  }

  async get(tenantId: string): Promise<WebhookSigningKey | null> {
    try {
      const found = await this.cache.get(tenantId);
      this.lastKnown.set(tenantId, found);
      return found;
    } catch (err) {
      if (!this.lastKnown.has(tenantId)) throw err;
      this.options.onStale?.(err);
      return this.lastKnown.get(tenantId)!;
    }
  }

  /** After this replica changed a secret: the change is used here at once, not after the TTL. */
  clear(): void {
    this.cache.clear();
  }
}
