import { Redis, type RedisOptions } from "ioredis";

/**
 * BullMQ workers and blocking readers need `maxRetriesPerRequest: null`; plain commands on the
 * hot path keep ioredis's default so a Redis outage fails requests instead of hanging them.
 */
/**
 * BullMQ defines its ~50 Lua scripts on every connection it is given, and ioredis copies all
 * defined scripts onto each autopipeline batch it builds: on an autopipelined connection every
 * batch (every relayed token, on a shared connection) pays for that. Measured in `pnpm bench`, it
 * cost a third of the gateway's throughput, so queues refuse such a connection outright.
 */
export function assertQueueConnection(connection: Redis): void {
  if (connection.options.enableAutoPipelining) {
    throw new Error(
      'a BullMQ queue or worker needs a connection without enableAutoPipelining: give it its own (createRedis(url, "blocking") or { enableAutoPipelining: false })',
    );
  }
}

export function createRedis(url: string, kind: "blocking" | "commands" = "commands", options: RedisOptions = {}): Redis {
  return new Redis(url, {
    ...(kind === "blocking" ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 2 }),
    enableAutoPipelining: kind === "commands",
    ...options,
  });
}
