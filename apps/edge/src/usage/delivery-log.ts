import { deliveriesKey, DELIVERIES_MAX_LEN } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";

/** Deliveries kept while Redis is unreachable, to be written when it is back. */
const MAX_PENDING = 100_000;
const RETRY_MS = 1_000;

/**
 * Records that a request's answer reached its client (a JSON answer sent, a stream's `[DONE]`
 * written, a WebSocket `done`, a stored reply read): one XADD on the autopipelined connection,
 * not awaited by the request. Billing puts it on the usage row, so a bill can be checked against
 * what was delivered (`pnpm gateway usage reconcile`). A write that fails (Redis restarting) is
 * kept and written again once Redis answers: a delivery is never forgotten while the edge lives.
 */
export class DeliveryLog {
  private pending: { id: string; at: number }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly logger: Logger,
  ) {}

  delivered(requestId: string): void {
    this.write({ id: requestId, at: Date.now() });
  }

  private write(entry: { id: string; at: number }): void {
    this.redis
      .xadd(deliveriesKey(this.namespace), "MAXLEN", "~", DELIVERIES_MAX_LEN, "*", "id", entry.id, "at", String(entry.at))
      .catch(() => this.keep(entry));
  }

  private keep(entry: { id: string; at: number }): void {
    if (this.pending.length >= MAX_PENDING) {
      this.logger.error({ request_id: entry.id }, "too many deliveries waiting for Redis: one is not recorded");
      return;
    }
    this.pending.push(entry);
    this.timer ??= setTimeout(() => this.flush(), RETRY_MS);
    this.timer.unref();
  }

  private flush(): void {
    this.timer = undefined;
    const retry = this.pending;
    this.pending = [];
    for (const entry of retry) this.write(entry);
  }

  /** At shutdown: one last try for what is still waiting. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    const left = this.pending;
    this.pending = [];
    await Promise.all(
      left.map((e) =>
        this.redis.xadd(deliveriesKey(this.namespace), "*", "id", e.id, "at", String(e.at)).catch(() => {
          this.logger.warn({ request_id: e.id }, "a delivery could not be recorded before shutdown");
        }),
      ),
    );
  }
}
