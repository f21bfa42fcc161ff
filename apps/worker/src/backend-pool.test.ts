import { GatewayConfig } from "@gateway/contracts";
import { createRegistry } from "@gateway/observability";
import { describe, expect, it } from "vitest";
import { BackendPool, SlotWaitExpired, type Lease } from "./backend-pool.ts";
import { workerMetrics } from "./worker-metrics.ts";

const A = "http://a:1";
const B = "http://b:1";
const C = "http://c:1";

function poolOf(...backends: string[]) {
  const config = GatewayConfig.parse({ models: [{ id: "m", backends }] });
  return new BackendPool(config, workerMetrics(createRegistry("test")));
}
const none = new Set<string>();
const lease = (x: Lease | "busy" | "none") => {
  if (typeof x === "string") throw new Error(`expected a lease, got ${x}`);
  return x;
};

describe("BackendPool", () => {
  it("when backends are ready, then the least-loaded one is picked", () => {
    const pool = poolOf(A, B);
    pool.setState(A, "ready");
    pool.setState(B, "ready");
    const first = lease(pool.tryAcquire("m", none));
    const second = lease(pool.tryAcquire("m", none));
    expect(new Set([first.backend, second.backend])).toEqual(new Set([A, B]));
  });

  it("when one backend is loading, then it is never chosen", () => {
    const pool = poolOf(A, B);
    pool.setState(A, "loading");
    pool.setState(B, "ready");
    for (let i = 0; i < 4; i++) expect(lease(pool.tryAcquire("m", none)).backend).toBe(B);
    expect(pool.tryAcquire("m", none)).toBe("busy");
  });

  it("when none is ready, then unknown-state ones are tried, and down ones never", () => {
    const pool = poolOf(A, B);
    pool.setState(A, "down");
    expect(lease(pool.tryAcquire("m", none)).backend).toBe(B);
    pool.setState(B, "down");
    expect(pool.tryAcquire("m", none)).toBe("none");
  });

  it("when a backend is excluded after a failure, then another one is chosen, else none", () => {
    const pool = poolOf(A, B);
    pool.setState(A, "ready");
    pool.setState(B, "ready");
    expect(lease(pool.tryAcquire("m", new Set([A]))).backend).toBe(B);
    expect(pool.tryAcquire("m", new Set([A, B]))).toBe("none");
  });

  it("when every slot is taken, then acquire waits for a release", async () => {
    const pool = poolOf(A);
    pool.setState(A, "ready");
    pool.setSlots(A, 1);
    const held = lease(pool.tryAcquire("m", none));
    let got: Lease | null = null;
    const waiting = pool.acquire("m", none, new AbortController().signal).then((l) => (got = l));
    await new Promise((r) => setImmediate(r));
    expect(got).toBeNull();
    held.release();
    held.release(); // idempotent: must not free a second slot
    await waiting;
    expect(got).not.toBeNull();
    expect(pool.tryAcquire("m", none)).toBe("busy");
  });

  it("when a waiter is aborted, then acquire rejects with the abort reason", async () => {
    const pool = poolOf(A);
    pool.setState(A, "ready");
    pool.setSlots(A, 1);
    lease(pool.tryAcquire("m", none));
    const controller = new AbortController();
    const waiting = pool.acquire("m", none, controller.signal);
    controller.abort(new Error("cancelled"));
    await expect(waiting).rejects.toThrow("cancelled");
  });

  it("when no slot frees up before the deadline, then acquire rejects with SlotWaitExpired", async () => {
    const pool = poolOf(A);
    pool.setState(A, "ready");
    pool.setSlots(A, 1);
    lease(pool.tryAcquire("m", none));
    const started = Date.now();
    await expect(pool.acquire("m", none, new AbortController().signal, Date.now() + 50)).rejects.toBeInstanceOf(SlotWaitExpired);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("when the only ready backend goes down while a job waits, then the wait ends with none", async () => {
    const pool = poolOf(A, C);
    pool.setState(A, "ready");
    pool.setState(C, "down");
    pool.setSlots(A, 1);
    lease(pool.tryAcquire("m", none));
    const waiting = pool.acquire("m", none, new AbortController().signal);
    pool.setState(A, "down");
    await expect(waiting).resolves.toBeNull();
  });

  it("when two models share a backend, then they share its slots", () => {
    const config = GatewayConfig.parse({ models: [{ id: "x", backends: [A] }, { id: "y", backends: [A] }] });
    const pool = new BackendPool(config, workerMetrics(createRegistry("test")));
    pool.setState(A, "ready");
    pool.setSlots(A, 1);
    lease(pool.tryAcquire("x", none));
    expect(pool.tryAcquire("y", none)).toBe("busy");
    expect(pool.totalSlots()).toBe(1);
  });
});
