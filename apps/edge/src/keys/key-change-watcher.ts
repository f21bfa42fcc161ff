import type { Logger } from "@gateway/observability";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { KeyCache } from "./key-cache.ts";

/** Changes are looked for this far back again on every poll: updated_at comes from the writer's clock. */
const CLOCK_MARGIN_MS = 5_000;

/**
 * Polls the key store for keys changed since the last poll (revoked, rotated, updated: every such
 * change moves updated_at) and reloads their cache entries, on every replica, whoever made the
 * change (the admin API of any edge, or the CLI). What it buys: when the store becomes
 * unreachable, the stale entries the cache then serves are right as of the last poll, so a
 * revocation made before an outage still holds during it.
 */
export class KeyChangeWatcher {
  private since = new Date(Date.now() - CLOCK_MARGIN_MS);
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly cache: KeyCache,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const started = new Date();
      const changed = await this.prisma.apiKey.findMany({
        where: { updatedAt: { gt: new Date(this.since.getTime() - CLOCK_MARGIN_MS) } },
        select: { id: true },
      });
      const ids = new Set(changed.map((c) => c.id));
      if (ids.size > 0) await this.cache.reload((match) => ids.has(match.key.id));
      this.since = started;
    } catch (err) {
      // The store is unreachable: the cache serves what it knew as of the last successful poll.
      this.logger.debug({ err }, "polling key changes failed");
    } finally {
      this.polling = false;
    }
  }
}
