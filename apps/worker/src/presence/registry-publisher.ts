import { registryKey, type WorkerRegistry } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";
import type { BackendPool } from "../backends/backend-pool.ts";
import type { SlotGate } from "../backends/slot-gate.ts";

/** Entries of workers gone this long (ids are random per process) are dropped by whoever publishes. */
const FORGET_AFTER_MS = 10 * 60_000;
const PRUNE_EVERY_ROUNDS = 30;

export interface RegistryPublisher {
  publish(): Promise<void>;
  remove(): Promise<void>;
}

/**
 * Publishes this worker's view of the pools (models → backends, state, breaker, slots, leases,
 * model facts, service time) under its id in the namespace's registry hash, every probe round:
 * the edge's /v1/models and its queue-wait estimate read it; `at` is its heartbeat.
 */
export function createRegistryPublisher(
  redis: Redis,
  namespace: string,
  workerId: string,
  pool: BackendPool,
  gate: SlotGate,
  logger: Logger,
): RegistryPublisher {
  const key = registryKey(namespace);
  let rounds = 0;

  const snapshot = (): WorkerRegistry => ({
    v: 1,
    worker_id: workerId,
    at: Date.now(),
    backends: pool.all().map((b) => ({
      url: b.url,
      state: b.state,
      breaker: b.breaker.state,
      slots: b.slots,
      busy: b.busy,
      leased: b.leased,
      probed_at: b.probedAt,
      meta: b.meta,
    })),
    models: pool.models().map((m) => ({ ...m, service_ms: pool.serviceTime(m.id) ?? null })),
  });

  const prune = async () => {
    const entries = await redis.hgetall(key);
    const cutoff = Date.now() - FORGET_AFTER_MS;
    const stale = Object.entries(entries)
      .filter(([, raw]) => Number(/"at":(\d+)/.exec(raw)?.[1] ?? 0) < cutoff)
      .map(([id]) => id);
    if (stale.length > 0) await redis.hdel(key, ...stale);
  };

  return {
    async publish() {
      try {
        const leased = await gate.leased(pool.all().map((b) => b.url));
        for (const [url, n] of leased) pool.setLeased(url, n);
        await redis.hset(key, workerId, JSON.stringify(snapshot()));
        if (rounds++ % PRUNE_EVERY_ROUNDS === 0) await prune();
      } catch (err) {
        logger.warn({ err }, "could not publish the backend registry");
      }
    },
    async remove() {
      await redis.hdel(key, workerId);
    },
  };
}
