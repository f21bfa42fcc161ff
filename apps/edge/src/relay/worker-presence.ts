import { workersKey } from "@gateway/contracts";
import type { Redis } from "ioredis";

/**
 * Whether any worker sent a heartbeat recently, refreshed in the background once a second so
 * neither admission nor /readyz pays a Redis round trip for it.
 */
export class WorkerPresence {
  private lastCount = 0;
  private redisOk = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly seenWithinMs: number,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), 1_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get workers(): number {
    return this.lastCount;
  }

  get redisReachable(): boolean {
    return this.redisOk;
  }

  async refresh(): Promise<void> {
    try {
      this.lastCount = await this.redis.zcount(workersKey(this.namespace), Date.now() - this.seenWithinMs, "+inf");
      this.redisOk = true;
    } catch {
      this.redisOk = false;
    }
  }
}
