import { BackendState, type BackendMeta, type BreakerState, type GatewayConfig } from "@gateway/contracts";
import type { WorkerMetrics } from "../worker-metrics.ts";
import { BackendBreaker, type BreakerOptions } from "./backend-breaker.ts";
import { DEFAULT_SLOTS, newBackend, type Backend } from "./backend-record.ts";
import type { Capability, Lease, TakeResult } from "./lease.ts";
import type { SlotGate, TakenSlot } from "./slot-gate.ts";
import { SlotWaiters, SlotWaitExpired } from "./slot-waiters.ts";

export const BACKEND_STATES = BackendState.options;
const BREAKER_STATES: readonly BreakerState[] = ["closed", "open", "half_open"];

export interface PoolDeps {
  metrics: WorkerMetrics;
  gate: SlotGate;
  breaker: BreakerOptions;
  /** A breaker went half-open: the prober should run its /health trial now, not at the next round. */
  onHalfOpen?: (url: string) => void;
}

/** Weight of the newest sample in a model's mean slot-hold time. */
const SERVICE_EWMA = 0.2;

/**
 * The backends of every model, per capability, and what this worker knows of them: prober state,
 * slots, breaker, model facts. Hands out leases through the Redis slot gate, so in-flight never
 * exceeds a backend's slots across all workers (llama-server queues the excess internally,
 * blocking even /health); the backlog waits in BullMQ and, briefly, in this pool's FIFO.
 */
export class BackendPool {
  private readonly backends = new Map<string, Backend>();
  private readonly pools: Record<Capability, Map<string, Backend[]>> = { chat: new Map(), embeddings: new Map(), rerank: new Map() };
  private readonly modelsOf = new Map<string, Set<string>>();
  private readonly contextOverride = new Map<string, number>();

  private readonly serviceMs = new Map<string, number>();
  private readonly waiters: SlotWaiters;
  private turn = 0;

  constructor(
    config: GatewayConfig,
    private readonly deps: PoolDeps,
  ) {
    for (const model of config.models) {
      // One llama-server may serve several models or both capabilities: its slots are shared, so one record per URL.
      this.pools.chat.set(
        model.id,
        model.backends.map((url) => this.backendFor(url, model.id)),
      );
      this.pools.embeddings.set(
        model.id,
        model.embedding_backends.map((url) => this.backendFor(url, model.id)),
      );
      this.pools.rerank.set(
        model.id,
        model.rerank_backends.map((url) => this.backendFor(url, model.id)),
      );
      if (model.context_length) this.contextOverride.set(model.id, model.context_length);
    }
    this.waiters = new SlotWaiters(
      (w) => this.tryTake(w.model, w.capability, w.exclude, w.requestId),
      (w) => this.room(w.model, w.capability, w.exclude),
    );
  }

  hasModel(model: string, capability: Capability = "chat"): boolean {
    return (this.pools[capability].get(model)?.length ?? 0) > 0;
  }

  all(): readonly Backend[] {
    return [...this.backends.values()];
  }

  get(url: string): Backend | undefined {
    return this.backends.get(url);
  }

  models(): { id: string; chat: string[]; embeddings: string[]; rerank: string[] }[] {
    return [...this.pools.chat.keys()].map((id) => ({
      id,
      chat: (this.pools.chat.get(id) ?? []).map((b) => b.url),
      embeddings: (this.pools.embeddings.get(id) ?? []).map((b) => b.url),
      rerank: (this.pools.rerank.get(id) ?? []).map((b) => b.url),
    }));
  }

  /** Ready and not refused by its breaker: may take client requests. */
  usable(backend: Backend): boolean {
    return backend.state === "ready" && backend.breaker.state === "closed";
  }

  readyCount(): number {
    return this.all().filter((b) => this.usable(b)).length;
  }

  /** Slots of the backends that can take requests now: what this worker's job concurrency follows. */
  usableSlots(): number {
    return this.all().reduce((n, b) => n + (this.usable(b) ? b.slots : 0), 0);
  }

  /** Tokens one request may span: the configured override, else the smallest context the pool's backends report. */
  contextLength(model: string, capability: Capability = "chat"): number | undefined {
    const override = this.contextOverride.get(model);
    if (override) return override;
    const known = (this.pools[capability].get(model) ?? []).map((b) => b.meta.n_ctx).filter((n): n is number => n !== undefined && n > 0);
    return known.length > 0 ? Math.min(...known) : undefined;
  }

  /** Backends of a model that can answer /tokenize now (no slot needed), best first. */
  tokenizers(model: string, capability: Capability = "chat"): string[] {
    return (this.pools[capability].get(model) ?? []).filter((b) => this.usable(b)).map((b) => b.url);
  }

  /** Recent mean time a job of this model held a slot, ms. */
  serviceTime(model: string): number | undefined {
    return this.serviceMs.get(model);
  }

  setState(url: string, state: BackendState): void {
    const backend = this.backends.get(url);
    if (!backend || backend.state === state) return;
    backend.state = state;
    // A restarted server may come back with another -np, or another model: ask again once it is ready.
    if (state !== "ready") {
      backend.slotsKnown = false;
      backend.metaKnown = false;
    }
    for (const s of BACKEND_STATES) this.deps.metrics.state.set({ backend: url, state: s }, s === state ? 1 : 0);
    this.changed(backend);
  }

  setSlots(url: string, slots: number, busy: number | null): void {
    const backend = this.backends.get(url);
    if (!backend) return;
    const grew = slots > backend.slots;
    backend.slots = slots;
    backend.slotsKnown = true;
    backend.busy = busy;
    this.deps.metrics.slots.set({ backend: url }, slots);
    if (busy !== null) this.deps.metrics.busySlots.set({ backend: url }, busy);
    if (grew) this.waiters.wake();
  }

  setMeta(url: string, meta: BackendMeta): void {
    const backend = this.backends.get(url);
    if (!backend) return;
    backend.meta = meta;
    backend.metaKnown = true;
  }

  /** What a request taught about a backend (it refused streamed tools): kept until it restarts and is described again. */
  learn(url: string, facts: Partial<BackendMeta>): void {
    const backend = this.backends.get(url);
    if (backend) backend.meta = { ...backend.meta, ...facts };
  }

  setLeased(url: string, leased: number): void {
    const backend = this.backends.get(url);
    if (!backend) return;
    backend.leased = leased;
    this.deps.metrics.leasedSlots.set({ backend: url }, leased);
  }

  /**
   * A lease on the least-loaded usable backend of `model` (across all workers) not in `exclude`;
   * unknown-state ones only when none is ready. Waits in FIFO order while all are full. Resolves
   * null when no backend can take it; rejects with the signal's reason, or SlotWaitExpired once
   * `deadlineAt` (epoch ms) passes. `requestId` leaves the model's pending set when a slot is taken.
   */
  async acquire(
    model: string,
    capability: Capability,
    exclude: ReadonlySet<string>,
    signal: AbortSignal,
    deadlineAt = Infinity,
    requestId?: string,
  ): Promise<Lease | null> {
    signal.throwIfAborted();
    // Jobs already waiting go first; otherwise no queueing cost at all.
    const seen = this.waiters.version;
    if (this.waiters.size === 0) {
      const result = await this.tryTake(model, capability, exclude, requestId);
      if (result !== "busy") return result;
    }
    if (Date.now() >= deadlineAt) throw new SlotWaitExpired();
    return this.waiters.wait({ model, capability, exclude, requestId }, signal, deadlineAt, seen);
  }

  close(): void {
    this.waiters.close();
    for (const b of this.backends.values()) b.breaker.shutdown();
  }

  private candidates(model: string, capability: Capability, exclude: ReadonlySet<string>): Backend[] {
    const open = (this.pools[capability].get(model) ?? []).filter((b) => !exclude.has(b.url) && b.breaker.state === "closed");
    const ready = open.filter((b) => b.state === "ready");
    return ready.length > 0 ? ready : open.filter((b) => b.state === "unknown");
  }

  /** Slots free for such a request as far as this worker knows (an upper bound: others' leases are not counted). */
  private room(model: string, capability: Capability, exclude: ReadonlySet<string>): number {
    const candidates = this.candidates(model, capability, exclude);
    if (candidates.length === 0) return Infinity;
    return candidates.reduce((n, b) => n + Math.max(0, b.slots - b.inFlight), 0);
  }

  private async tryTake(
    model: string,
    capability: Capability,
    exclude: ReadonlySet<string>,
    requestId: string | undefined,
  ): Promise<TakeResult> {
    const candidates = this.candidates(model, capability, exclude);
    if (candidates.length === 0) return null;
    // Our own leases count in Redis too: a backend we alone fill needs no round trip to say so.
    const room = candidates.filter((b) => b.inFlight < b.slots);
    if (room.length === 0) return "busy";
    // Rotating the order among equally loaded backends spreads prompt-cache warmth and wear evenly.
    const start = this.turn++ % room.length;
    const ordered = [...room.slice(start), ...room.slice(0, start)];
    const timer = this.deps.metrics.slotAcquire.startTimer();
    const taken = await this.deps.gate.take(ordered, model, requestId);
    timer({ outcome: taken ? "acquired" : "busy" });
    if (!taken) return "busy";
    return this.lease(this.backends.get(taken.url)!, taken, model);
  }

  private lease(backend: Backend, slot: TakenSlot, model: string): Lease {
    backend.inFlight += 1;
    this.deps.metrics.inFlight.set({ backend: backend.url }, backend.inFlight);
    const since = performance.now();
    let released = false;
    return {
      backend: backend.url,
      release: () => {
        if (released) return;
        released = true;
        slot.release();
        backend.inFlight -= 1;
        this.deps.metrics.inFlight.set({ backend: backend.url }, backend.inFlight);
        const ms = performance.now() - since;
        const mean = this.serviceMs.get(model);
        this.serviceMs.set(model, mean === undefined ? ms : mean + SERVICE_EWMA * (ms - mean));
        this.waiters.wake();
      },
    };
  }

  private backendFor(url: string, model: string): Backend {
    (this.modelsOf.get(url) ?? this.modelsOf.set(url, new Set()).get(url)!).add(model);
    const existing = this.backends.get(url);
    if (existing) return existing;
    const breaker = new BackendBreaker(url, this.deps.breaker, (state) => this.breakerChanged(url, state));
    const backend = newBackend(url, breaker);
    this.backends.set(url, backend);
    const { metrics } = this.deps;
    metrics.slots.set({ backend: url }, DEFAULT_SLOTS);
    for (const s of BACKEND_STATES) metrics.state.set({ backend: url, state: s }, s === "unknown" ? 1 : 0);
    for (const s of BREAKER_STATES) metrics.breakerState.set({ backend: url, state: s }, s === "closed" ? 1 : 0);
    return backend;
  }

  private breakerChanged(url: string, state: BreakerState): void {
    const { metrics } = this.deps;
    for (const s of BREAKER_STATES) metrics.breakerState.set({ backend: url, state: s }, s === state ? 1 : 0);
    metrics.breakerTransitions.inc({ backend: url, state });
    const backend = this.backends.get(url);
    if (backend) this.changed(backend);
    if (state === "half_open") this.deps.onHalfOpen?.(url);
  }

  /** Keeps `gateway_worker_backend_up` current and lets waiting jobs re-check. */
  private changed(backend: Backend): void {
    const up = this.usable(backend) ? 1 : 0;
    for (const model of this.modelsOf.get(backend.url) ?? []) this.deps.metrics.backendUp.set({ model, backend: backend.url }, up);
    this.waiters.wake();
  }
}
