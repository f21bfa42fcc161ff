import { Redis, type RedisOptions } from "ioredis";

/**
 * BullMQ workers and blocking readers need `maxRetriesPerRequest: null`; plain commands on the
 * hot path keep ioredis's default so a Redis outage fails requests instead of hanging them.
 */
export function createRedis(url: string, kind: "blocking" | "commands" = "commands", options: RedisOptions = {}): Redis {
  return new Redis(url, {
    ...(kind === "blocking" ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 2 }),
    enableAutoPipelining: kind === "commands",
    ...options,
  });
}
