import type { LlamaSimStats } from "./types.ts";

export interface Slot {
  readonly id: number;
  /** -1 when idle, as `/slots` shows. */
  idTask: number;
  nDecoded: number;
  /** The request's n_predict (-1 unlimited), for `/slots` params. */
  nPredict: number;
  stream: boolean;
}

type Waiter = (slot: Slot) => void;

/**
 * At most `size` generations at once; the rest wait in arrival order with no limit, as the real
 * server defers them. Keeps `processing`, `maxProcessing` and `deferred` in `stats` current.
 */
export class SlotPool {
  readonly slots: Slot[];
  private readonly free: Slot[];
  /** A Set keeps insertion order (FIFO) and lets a gone client leave the queue in O(1). */
  private readonly waiting = new Set<Waiter>();
  private nextTask = 0;

  constructor(
    size: number,
    private readonly stats: LlamaSimStats,
  ) {
    this.slots = Array.from({ length: size }, (_, id) => ({ id, idTask: -1, nDecoded: 0, nPredict: -1, stream: false }));
    // Reversed so pop() hands out slot 0 first.
    this.free = [...this.slots].reverse();
  }

  get idle(): number {
    return this.free.length;
  }

  /** Calls `onSlot` now if a slot is free, else later; returns a cancel for a deferred wait. */
  acquire(onSlot: Waiter): (() => void) | undefined {
    const slot = this.free.pop();
    if (slot !== undefined) {
      this.start(slot, onSlot);
      return undefined;
    }
    this.waiting.add(onSlot);
    this.stats.deferred = this.waiting.size;
    return () => {
      if (this.waiting.delete(onSlot)) this.stats.deferred = this.waiting.size;
    };
  }

  release(slot: Slot): void {
    slot.idTask = -1;
    this.stats.processing--;
    const next = this.waiting.values().next();
    if (next.done === true) {
      this.free.push(slot);
      return;
    }
    this.waiting.delete(next.value);
    this.stats.deferred = this.waiting.size;
    this.start(slot, next.value);
  }

  private start(slot: Slot, onSlot: Waiter): void {
    slot.idTask = this.nextTask++;
    slot.nDecoded = 0;
    const stats = this.stats;
    if (++stats.processing > stats.maxProcessing) stats.maxProcessing = stats.processing;
    onSlot(slot);
  }
}
