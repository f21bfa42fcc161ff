import { metric, prom, type Registry } from "@gateway/observability";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { QueueName } from "./catalog.ts";
import { assertQueueConnection } from "./redis-connection.ts";

/** The states `gateway_queue_jobs{state}` reports; waiting includes prioritized jobs (BullMQ keeps them apart). */
export const QUEUE_STATES = ["waiting", "active", "delayed", "failed"] as const;

export interface QueueDepthOptions {
  /** A non-blocking commands connection: a scrape must not wait out a Redis outage. */
  connection: Redis;
  prefix: string;
  registry: Registry;
  /** Counts younger than this are served from memory, however often the registry is scraped. */
  maxAgeMs?: number;
  /** A scrape waits at most this long for fresh counts, then reports the last ones. */
  timeoutMs?: number;
}

export interface QueueDepth {
  close(): Promise<void>;
}

/**
 * Exposes `gateway_queue_jobs{queue,state}`, read from BullMQ when the registry is scraped: one
 * Redis round trip per queue, at most once per `maxAgeMs`, never on a request's path. Every
 * process that watches a queue reports the same numbers, so dashboards take `max by (queue, state)`.
 */
export function watchQueueDepth(names: readonly QueueName[], options: QueueDepthOptions): QueueDepth {
  const { connection, prefix, registry, maxAgeMs = 1_000, timeoutMs = 1_000 } = options;
  assertQueueConnection(connection);
  const queues = names.map((name) => new Queue(name, { connection, prefix }));
  const last = new Map<string, Record<(typeof QUEUE_STATES)[number], number>>();
  let fetchedAt = 0;
  let inFlight: Promise<void> | undefined;

  const refresh = () =>
    (inFlight ??= Promise.all(
      queues.map(async (queue) => {
        const c = await queue.getJobCounts("waiting", "prioritized", "active", "delayed", "failed");
        last.set(queue.name, {
          waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
          active: c.active ?? 0,
          delayed: c.delayed ?? 0,
          failed: c.failed ?? 0,
        });
      }),
    )
      .then(() => {
        fetchedAt = Date.now();
      })
      .catch(() => undefined)
      .finally(() => {
        inFlight = undefined;
      }));

  metric(
    registry,
    "gateway_queue_jobs",
    () =>
      new prom.Gauge({
        name: "gateway_queue_jobs",
        help: "Jobs in each BullMQ queue by state (waiting includes prioritized; failed: failed for good, kept for inspection).",
        labelNames: ["queue", "state"],
        registers: [registry],
        async collect() {
          if (Date.now() - fetchedAt > maxAgeMs) {
            let timer: NodeJS.Timeout | undefined;
            await Promise.race([refresh(), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
            clearTimeout(timer);
          }
          for (const [queue, counts] of last) for (const state of QUEUE_STATES) this.set({ queue, state }, counts[state]);
        },
      }),
  );
  return {
    async close() {
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}
