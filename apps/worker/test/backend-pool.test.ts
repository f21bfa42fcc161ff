import { randomUUID } from "node:crypto";
import { GatewayConfig, pendingKey } from "@gateway/contracts";
import { createLogger, createRegistry } from "@gateway/observability";
import { createRedis } from "@gateway/queue";
import { cleanPrefix, testPrefix, TEST_REDIS_URL } from "@gateway/test-kit/redis";
import type { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { BackendPool } from "../src/backends/backend-pool.ts";
import type { Lease } from "../src/backends/lease.ts";
import { SlotGate } from "../src/backends/slot-gate.ts";
import { SlotWaitExpired } from "../src/backends/slot-waiters.ts";
import { workerMetrics } from "../src/worker-metrics.ts";

const A = "http://a:1";
const B = "http://b:1";
const C = "http://c:1";
const none = new Set<string>();
const logger = createLogger({ service: "test", level: "silent", sync: true });
const breaker = { resetMs: 60_000, consecutiveFailures: 3, errorPercentage: 50, windowMs: 10_000, minRequests: 10 };

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** One worker's pool: its own gate and Redis connection, sharing the namespace with the others. */
function workerPool(prefix: string, models: { id: string; backends: string[] }[], ttlMs = 15_000) {
  const redis: Redis = createRedis(TEST_REDIS_URL);
  const gate = new SlotGate(redis, prefix, `worker-${randomUUID()}`, ttlMs, logger);
  const pool = new BackendPool(GatewayConfig.parse({ models }), { metrics: workerMetrics(createRegistry("test")), gate, breaker });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    gate.close();
    pool.close();
    await redis.quit();
  };
  cleanup.push(close);
  return { pool, gate, close };
}

function namespace() {
  const prefix = testPrefix();
  cleanup.push(() => cleanPrefix(prefix));
  return prefix;
}

const ready = (pool: BackendPool, url: string, slots: number) => {
  pool.setState(url, "ready");
  pool.setSlots(url, slots, null);
};
/** A lease if one is free within 50 ms; SlotWaitExpired otherwise. */
const take = (pool: BackendPool, model = "m", exclude: ReadonlySet<string> = none, signal = new AbortController().signal) =>
  pool.acquire(model, "chat", exclude, signal, Date.now() + 50);
const lease = async (p: Promise<Lease | null>) => {
  const l = await p;
  if (!l) throw new Error("expected a lease");
  return l;
};

describe("BackendPool with the Redis slot gate", () => {
  it("when backends are ready, then the least-loaded one is picked", async () => {
    const { pool } = workerPool(namespace(), [{ id: "m", backends: [A, B] }]);
    ready(pool, A, 2);
    ready(pool, B, 2);
    const first = await lease(take(pool));
    const second = await lease(take(pool));
    expect(new Set([first.backend, second.backend])).toEqual(new Set([A, B]));
  });

  it("when two workers share the namespace, then together they never exceed a backend's slots, and load counts across both", async () => {
    const prefix = namespace();
    const w1 = workerPool(prefix, [{ id: "m", backends: [A, B] }]);
    const w2 = workerPool(prefix, [{ id: "m", backends: [A, B] }]);
    for (const w of [w1, w2]) {
      ready(w.pool, A, 2);
      ready(w.pool, B, 1);
    }
    const leases = [await lease(take(w1.pool)), await lease(take(w2.pool)), await lease(take(w1.pool))];
    // 2 on A and 1 on B, whichever worker asked: each pick went to the backend with the lowest share in use.
    expect(leases.map((l) => l.backend).sort()).toEqual([A, A, B]);
    await expect(take(w2.pool)).rejects.toBeInstanceOf(SlotWaitExpired);
    await expect(take(w1.pool)).rejects.toBeInstanceOf(SlotWaitExpired);
    leases.find((l) => l.backend === B)!.release();
    // The release is not awaited (it must not delay a reply) and went out on the other worker's connection.
    await new Promise((r) => setTimeout(r, 20));
    expect((await lease(take(w2.pool))).backend).toBe(B);
  });

  it("when a worker dies holding slots, then its leases expire after the TTL and another worker gets them", async () => {
    const prefix = namespace();
    const dead = workerPool(prefix, [{ id: "m", backends: [A] }], 300);
    const alive = workerPool(prefix, [{ id: "m", backends: [A] }], 300);
    ready(dead.pool, A, 1);
    ready(alive.pool, A, 1);
    await lease(take(dead.pool));
    // A crash: no release, no renewals.
    await dead.close();
    const started = Date.now();
    const got = await alive.pool.acquire("m", "chat", none, new AbortController().signal, Date.now() + 5_000);
    expect(got?.backend).toBe(A);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it("when a live worker holds a lease longer than the TTL, then renewals keep it", async () => {
    const prefix = namespace();
    const w1 = workerPool(prefix, [{ id: "m", backends: [A] }], 300);
    const w2 = workerPool(prefix, [{ id: "m", backends: [A] }], 300);
    ready(w1.pool, A, 1);
    ready(w2.pool, A, 1);
    await lease(take(w1.pool));
    await new Promise((r) => setTimeout(r, 700));
    await expect(take(w2.pool)).rejects.toBeInstanceOf(SlotWaitExpired);
  });

  it("when one backend is loading, then it is never chosen", async () => {
    const { pool } = workerPool(namespace(), [{ id: "m", backends: [A, B] }]);
    pool.setState(A, "loading");
    ready(pool, B, 4);
    for (let i = 0; i < 4; i++) expect((await lease(take(pool))).backend).toBe(B);
    await expect(take(pool)).rejects.toBeInstanceOf(SlotWaitExpired);
  });

  it("when none is ready, then unknown-state ones are tried, and down ones never", async () => {
    const { pool } = workerPool(namespace(), [{ id: "m", backends: [A, B] }]);
    pool.setState(A, "down");
    expect((await lease(take(pool))).backend).toBe(B);
    pool.setState(B, "down");
    expect(await take(pool)).toBeNull();
  });

  it("when a backend is excluded after a failure, then another one is chosen, else none", async () => {
    const { pool } = workerPool(namespace(), [{ id: "m", backends: [A, B] }]);
    ready(pool, A, 4);
    ready(pool, B, 4);
    expect((await lease(take(pool, "m", new Set([A])))).backend).toBe(B);
    expect(await take(pool, "m", new Set([A, B]))).toBeNull();
  });

  it("when every slot is taken, then waiters get released slots first come first served", async () => {
    const { pool } = workerPool(namespace(), [{ id: "m", backends: [A] }]);
    ready(pool, A, 1);
    const held = await lease(take(pool));
    const order: string[] = [];
    const signal = new AbortController().signal;
    const first = pool.acquire("m", "chat", none, signal, Date.now() + 5_000).then((l) => (order.push("first"), l));
    const second = pool.acquire("m", "chat", none, signal, Date.now() + 5_000).then((l) => (order.push("second"), l));
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual([]);
    held.release();
    held.release(); // idempotent: must not free a second slot
    (await first)?.release();
    (await second)?.release();
    expect(order).toEqual(["first", "second"]);
  });

  it("when a waiter is aborted, then acquire rejects with the abort reason", async () => {
    const { pool } = workerPool(namespace(), [{ id: "m", backends: [A] }]);
    ready(pool, A, 1);
    await lease(take(pool));
    const controller = new AbortController();
    const waiting = pool.acquire("m", "chat", none, controller.signal, Date.now() + 5_000);
    controller.abort(new Error("cancelled"));
    await expect(waiting).rejects.toThrow("cancelled");
  });

  it("when the only ready backend goes down while a job waits, then the wait ends with none", async () => {
    const { pool } = workerPool(namespace(), [{ id: "m", backends: [A, C] }]);
    ready(pool, A, 1);
    pool.setState(C, "down");
    await lease(take(pool));
    const waiting = pool.acquire("m", "chat", none, new AbortController().signal, Date.now() + 5_000);
    pool.setState(A, "down");
    await expect(waiting).resolves.toBeNull();
  });

  it("when two models share a backend, then they share its slots", async () => {
    const { pool } = workerPool(namespace(), [
      { id: "x", backends: [A] },
      { id: "y", backends: [A] },
    ]);
    ready(pool, A, 1);
    await lease(take(pool, "x"));
    await expect(take(pool, "y")).rejects.toBeInstanceOf(SlotWaitExpired);
    expect(pool.usableSlots()).toBe(1);
  });

  it("when a lease is taken, then the request leaves its model's pending set in the same call", async () => {
    const prefix = namespace();
    const { pool } = workerPool(prefix, [{ id: "m", backends: [A] }]);
    ready(pool, A, 1);
    const redis = createRedis(TEST_REDIS_URL);
    cleanup.push(async () => void (await redis.quit()));
    await redis.zadd(pendingKey(prefix, "m"), Date.now() + 60_000, "req-1");
    await lease(pool.acquire("m", "chat", none, new AbortController().signal, Date.now() + 50, "req-1"));
    expect(await redis.zcard(pendingKey(prefix, "m"))).toBe(0);
  });
});
