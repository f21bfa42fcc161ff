import type { Logger } from "@gateway/observability";

/**
 * Coalesces last_used_at: the hot path only records a timestamp in memory; one UPDATE per flush
 * interval writes them all. Accurate to the interval, which is what "last used" needs.
 */
export class LastUsedTracker {
  private pending = new Map<string, Date>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (batch: ReadonlyMap<string, Date>) => Promise<void>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  touch(keyId: string, at = new Date()): void {
    this.pending.set(keyId, at);
  }

  /** Writes what is pending; a failed batch is merged back and retried at the next flush. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.write(batch);
    } catch (err) {
      this.logger.warn({ err, keys: batch.size }, "could not write last_used_at; retrying at the next flush");
      for (const [id, at] of batch) if (!this.pending.has(id)) this.pending.set(id, at);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
