import { activeKeysKey, limitKeys, MAX_KEYS_PER_QUERY, reconcileLockKey } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";
import type { BillingClient } from "../usage/billing-client.ts";
import type { LimitMetrics } from "./limit-metrics.ts";
import { withLimitCommands, type LimitCommands } from "./limit-scripts.ts";
import { USED_TTL_S, utcDay } from "./utc-day.ts";

export interface ReconcilerDeps {
  redis: Redis;
  namespace: string;
  billing: BillingClient;
  intervalMs: number;
  /** Written into the lock, for whoever inspects Redis. */
  edgeId: string;
  metrics: LimitMetrics;
  logger: Logger;
  now?: () => number;
}

/**
 * Raises each active key's daily counter to what billing recorded. The edge counts usage when a
 * request settles; usage it never saw (a replica died, a reply was lost) is billed anyway, and
 * this is how the counters learn of it. One replica per interval does the work (a Redis lock).
 */
export class QuotaReconciler {
  private readonly redis: Redis & LimitCommands;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: ReconcilerDeps) {
    this.redis = withLimitCommands(deps.redis);
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    const locked = await this.redis
      .set(reconcileLockKey(this.deps.namespace), this.deps.edgeId, "PX", Math.max(500, this.deps.intervalMs - 500), "NX")
      .catch(() => null);
    if (locked !== "OK") return;
    await this.runOnce().catch(() => undefined);
  }

  /** One pass over today's active keys; returns the tokens added. */
  async runOnce(): Promise<number> {
    const day = utcDay(this.now());
    let added = 0;
    try {
      let cursor = "0";
      do {
        const [next, keyIds] = await this.redis.sscan(activeKeysKey(this.deps.namespace, day), cursor, "COUNT", MAX_KEYS_PER_QUERY);
        cursor = next;
        for (let i = 0; i < keyIds.length; i += MAX_KEYS_PER_QUERY)
          added += await this.reconcile(day, keyIds.slice(i, i + MAX_KEYS_PER_QUERY));
      } while (cursor !== "0");
      this.deps.metrics.reconcileRuns.inc({ outcome: "done" });
    } catch (err) {
      this.deps.metrics.reconcileRuns.inc({ outcome: "failed" });
      this.deps.logger.warn({ err }, "quota reconciliation against billing failed; next pass retries");
      throw err;
    }
    return added;
  }

  private async reconcile(day: string, keyIds: string[]): Promise<number> {
    if (keyIds.length === 0) return 0;
    const billed = await this.deps.billing.keyTokens(day, keyIds);
    const now = this.now();
    const added = await Promise.all(
      billed.data.map(({ key_id, total_tokens }) => {
        const keys = limitKeys(this.deps.namespace, key_id);
        return this.redis.gwReconcile(keys.used(day), keys.reserved, keys.leases, total_tokens, now, USED_TTL_S);
      }),
    );
    const sum = added.reduce((a, b) => a + b, 0);
    if (sum > 0) {
      this.deps.metrics.reconciled.inc(sum);
      this.deps.logger.info({ keys: added.filter((n) => n > 0).length, tokens: sum }, "raised token counters to billed usage");
    }
    return sum;
  }
}
