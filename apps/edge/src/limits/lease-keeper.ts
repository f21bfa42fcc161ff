import type { LimitKeys } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";

/**
 * Renews the leases of this process's requests in flight, all in one pipeline, three times per
 * lease. A request that outlives its lease keeps it; a process that dies stops renewing, and its
 * slots and reservations are dropped by the next admission after the lease ran out.
 */
export class LeaseKeeper {
  private readonly live = new Map<string, LimitKeys>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  add(requestId: string, keys: LimitKeys): void {
    this.live.set(requestId, keys);
  }

  remove(requestId: string): void {
    this.live.delete(requestId);
  }

  /**
   * Gives back every slot and reservation this process holds (shutdown, after the drain): the
   * requests that still had one were cut off, and their keys should not wait a lease to be free.
   */
  async releaseAll(): Promise<void> {
    if (this.live.size === 0) return;
    const pipeline = this.redis.pipeline();
    for (const [requestId, keys] of this.live) pipeline.zrem(keys.leases, requestId).hdel(keys.reserved, requestId);
    this.live.clear();
    await pipeline
      .exec()
      .catch((err: unknown) => this.logger.warn({ err }, "could not release leases at shutdown; they expire on their own"));
  }

  get size(): number {
    return this.live.size;
  }

  async renew(): Promise<void> {
    if (this.live.size === 0) return;
    const expiry = Date.now() + this.leaseMs;
    const byKey = new Map<string, { keys: LimitKeys; members: (string | number)[] }>();
    for (const [requestId, keys] of this.live) {
      const group = byKey.get(keys.leases) ?? { keys, members: [] };
      group.members.push(expiry, requestId);
      byKey.set(keys.leases, group);
    }
    const pipeline = this.redis.pipeline();
    for (const { keys, members } of byKey.values()) {
      // XX: a lease that already expired and was dropped is not brought back.
      pipeline.zadd(keys.leases, "XX", ...members);
      pipeline.pexpire(keys.leases, this.leaseMs * 2);
      pipeline.pexpire(keys.reserved, this.leaseMs * 2);
    }
    try {
      await pipeline.exec();
    } catch (err) {
      this.logger.warn({ err, leases: this.live.size }, "could not renew concurrency leases");
    }
  }
}
