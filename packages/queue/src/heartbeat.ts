import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";

/** Entries older than this belong to processes long gone (ids are random per process): drop them. */
const FORGET_AFTER_MS = 10 * 60_000;

export interface Heartbeat {
  stop(): Promise<void>;
}

/**
 * Keeps this process's score in a presence set (`workersKey`, `edgesKey`) at "now", so others can
 * tell it is alive (an edge's /readyz sees a worker; a worker sees the edge its streams belong
 * to); removes it on stop so a clean shutdown is visible at once.
 */
export async function startHeartbeat(redis: Redis, key: string, member: string, intervalMs: number, logger: Logger): Promise<Heartbeat> {
  const beat = async () => {
    const now = Date.now();
    await redis.zadd(key, now, member);
    await redis.zremrangebyscore(key, "-inf", now - FORGET_AFTER_MS);
  };
  await beat();
  const timer = setInterval(() => {
    beat().catch((err: unknown) => logger.warn({ err }, "heartbeat failed"));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await redis.zrem(key, member);
    },
  };
}
