import { workersKey } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";

/** Entries older than this belong to workers long gone (ids are random per process): drop them. */
const FORGET_AFTER_MS = 10 * 60_000;

export interface Heartbeat {
  stop(): Promise<void>;
}

/**
 * Keeps this worker's score in the namespace's workers set at "now", so the edge's /readyz can tell some worker
 * is alive; removes it on stop so a clean shutdown is visible at once.
 */
export async function startHeartbeat(
  redis: Redis,
  namespace: string,
  workerId: string,
  intervalMs: number,
  logger: Logger,
): Promise<Heartbeat> {
  const key = workersKey(namespace);
  const beat = async () => {
    const now = Date.now();
    await redis.zadd(key, now, workerId);
    await redis.zremrangebyscore(key, "-inf", now - FORGET_AFTER_MS);
  };
  await beat();
  const timer = setInterval(() => {
    beat().catch((err: unknown) => logger.warn({ err }, "heartbeat failed"));
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await redis.zrem(key, workerId);
    },
  };
}
