import type { GatewayConfig } from "@gateway/contracts";
import type { WorkerMetrics } from "./worker-metrics.ts";

export type BackendState = "unknown" | "loading" | "ready" | "down";
export const BACKEND_STATES: readonly BackendState[] = ["unknown", "loading", "ready", "down"];

/** Slots assumed for a backend before its /slots answered: llama-server's default `-np` is 4 on recent builds. */
export const DEFAULT_SLOTS = 4;

/** A job waited for a free slot until its deadline. */
export class SlotWaitExpired extends Error {
  override name = "SlotWaitExpired";
  constructor() {
    super("no backend slot became free before the request's deadline");
  }
}

export interface Backend {
  readonly url: string;
  state: BackendState;
  slots: number;
  slotsKnown: boolean;
  inFlight: number;
}

export interface Lease {
  readonly backend: string;
  release(): void;
}

/**
 * The backends of every model and what this worker knows of them: state from the prober, slot
 * count, requests in flight. Hands out leases so in-flight never exceeds a backend's slots
 * (llama-server queues the excess internally, blocking even /health). The breaker and
 * slot-aware dispatch plug in behind `tryAcquire`.
 */
export class BackendPool {
  private readonly backends = new Map<string, Backend>();
  private readonly byModel = new Map<string, Backend[]>();
  private waiters: (() => void)[] = [];
  private turn = 0;

  constructor(
    config: GatewayConfig,
    private readonly metrics: WorkerMetrics,
  ) {
    for (const model of config.models) {
      // One llama-server may serve several model ids: its capacity is shared, so one record per URL.
      const list = model.backends.map((url) => this.backends.get(url) ?? this.add(url));
      this.byModel.set(model.id, list);
    }
  }

  hasModel(model: string): boolean {
    return this.byModel.has(model);
  }

  all(): readonly Backend[] {
    return [...this.backends.values()];
  }

  readyCount(): number {
    return this.all().filter((b) => b.state === "ready").length;
  }

  totalSlots(): number {
    return this.all().reduce((n, b) => n + b.slots, 0);
  }

  setState(url: string, state: BackendState): void {
    const backend = this.backends.get(url);
    if (!backend || backend.state === state) return;
    backend.state = state;
    // A restarted server may come back with another -np: ask again next time it is ready.
    if (state !== "ready") backend.slotsKnown = false;
    for (const s of BACKEND_STATES) this.metrics.state.set({ backend: url, state: s }, s === state ? 1 : 0);
    this.notify();
  }

  setSlots(url: string, slots: number): void {
    const backend = this.backends.get(url);
    if (!backend) return;
    backend.slots = slots;
    backend.slotsKnown = true;
    this.metrics.slots.set({ backend: url }, slots);
    this.notify();
  }

  /**
   * A lease on the least-loaded ready backend of `model` not in `exclude`; unknown-state ones
   * only when none is ready. "busy": usable backends exist but all are at capacity.
   */
  tryAcquire(model: string, exclude: ReadonlySet<string>): Lease | "busy" | "none" {
    const candidates = (this.byModel.get(model) ?? []).filter((b) => !exclude.has(b.url));
    const ready = candidates.filter((b) => b.state === "ready");
    const usable = ready.length > 0 ? ready : candidates.filter((b) => b.state === "unknown");
    if (usable.length === 0) return "none";
    let best: Backend[] = [];
    let bestLoad = Infinity;
    for (const b of usable) {
      if (b.inFlight >= b.slots) continue;
      const load = b.inFlight / b.slots;
      if (load < bestLoad) [best, bestLoad] = [[b], load];
      else if (load === bestLoad) best.push(b);
    }
    // Rotating among equally loaded backends spreads prompt-cache warmth and wear evenly.
    const chosen = best[this.turn++ % Math.max(1, best.length)];
    return chosen ? this.lease(chosen) : "busy";
  }

  /**
   * Waits in-process for a slot rather than overloading llama-server; null when no backend can
   * take it. Rejects with the signal's reason, or SlotWaitExpired once `deadlineAt` (epoch ms) passes.
   */
  async acquire(model: string, exclude: ReadonlySet<string>, signal: AbortSignal, deadlineAt = Infinity): Promise<Lease | null> {
    for (;;) {
      signal.throwIfAborted();
      const result = this.tryAcquire(model, exclude);
      if (result === "none") return null;
      if (result !== "busy") return result;
      if (Date.now() >= deadlineAt) throw new SlotWaitExpired();
      await this.nextChange(signal, deadlineAt);
    }
  }

  private lease(backend: Backend): Lease {
    backend.inFlight += 1;
    this.metrics.inFlight.set({ backend: backend.url }, backend.inFlight);
    let released = false;
    return {
      backend: backend.url,
      release: () => {
        if (released) return;
        released = true;
        backend.inFlight -= 1;
        this.metrics.inFlight.set({ backend: backend.url }, backend.inFlight);
        this.notify();
      },
    };
  }

  /** Resolves on the next release or state change, or at the deadline (the caller then re-checks it). */
  private nextChange(signal: AbortSignal, deadlineAt: number): Promise<void> {
    return new Promise((resolve, reject) => {
      // Only a job that really waits pays for a timer.
      const timer = Number.isFinite(deadlineAt) ? setTimeout(() => wake(), Math.max(0, deadlineAt - Date.now())) : undefined;
      const onAbort = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== wake);
        reject(signal.reason);
      };
      const wake = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(wake);
    });
  }

  /** Wakes every waiter in arrival order; each re-checks, so the first in line takes a freed slot. */
  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private add(url: string): Backend {
    const backend: Backend = { url, state: "unknown", slots: DEFAULT_SLOTS, slotsKnown: false, inFlight: 0 };
    this.backends.set(url, backend);
    this.metrics.slots.set({ backend: url }, DEFAULT_SLOTS);
    for (const s of BACKEND_STATES) this.metrics.state.set({ backend: url, state: s }, s === "unknown" ? 1 : 0);
    return backend;
  }
}
