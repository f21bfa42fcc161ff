import type { Capability, Lease, TakeResult } from "./lease.ts";

/** A job waited for a free slot until its deadline. */
export class SlotWaitExpired extends Error {
  override name = "SlotWaitExpired";
  constructor() {
    super("no backend slot became free before the request's deadline");
  }
}

/** How often waiting jobs look again: slots that other workers free are not announced. */
const POLL_MS = 25;

export interface SlotRequest {
  readonly model: string;
  readonly capability: Capability;
  readonly exclude: ReadonlySet<string>;
  readonly requestId: string | undefined;
}

interface Waiter extends SlotRequest {
  /** Same model, capability and exclusions: if one such waiter finds no room, the rest need not ask. */
  readonly key: string;
  done: boolean;
  settle(result: Lease | null | Error): void;
}

/**
 * Jobs waiting for a slot, served first come first served. One pump at a time walks the line when
 * a lease is released here, a backend changes, or every POLL_MS while anyone waits. Each pass asks
 * the gate for as many waiters of a kind at once as this worker sees slots free for them (their
 * round trips share one write): asking one at a time would cap the line at one lease per round
 * trip, which a busy event loop makes slower than slots free up. Nobody asks while none is free.
 */
export class SlotWaiters {
  private line: Waiter[] = [];
  private pumping = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Counts wake-ups, so a caller can tell whether something changed while it was asking the gate. */
  private changes = 0;

  constructor(
    private readonly take: (request: SlotRequest) => Promise<TakeResult>,
    /** Slots this worker sees free for such a request (Infinity when no backend can take it: the answer is then null). */
    private readonly room: (request: SlotRequest) => number,
  ) {}

  get size(): number {
    return this.line.length;
  }

  get version(): number {
    return this.changes;
  }

  /**
   * Resolves with a lease, or null once no backend can take the request; rejects on abort or
   * SlotWaitExpired. `seen` is `version` from before the caller's own failed attempt: a slot
   * freed during that round trip woke nobody, so the line is tried again at once.
   */
  wait(request: SlotRequest, signal: AbortSignal, deadlineAt: number, seen = this.changes): Promise<Lease | null> {
    return new Promise((resolve, reject) => {
      const deadline = Number.isFinite(deadlineAt)
        ? setTimeout(() => waiter.settle(new SlotWaitExpired()), Math.max(0, deadlineAt - Date.now()))
        : undefined;
      const onAbort = () => waiter.settle(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      const waiter: Waiter = {
        ...request,
        key: `${request.capability}\n${request.model}\n${[...request.exclude].sort().join("\n")}`,
        done: false,
        settle: (result) => {
          if (waiter.done) return;
          waiter.done = true;
          clearTimeout(deadline);
          signal.removeEventListener("abort", onAbort);
          this.line = this.line.filter((w) => w !== waiter);
          if (result instanceof Error) reject(result);
          else resolve(result);
        },
      };
      // The signal may have fired during the caller's first, unqueued attempt.
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.line.push(waiter);
      if (seen !== this.changes) void this.pump();
      else this.schedule();
    });
  }

  /** Something changed: let the line try again now. */
  wake(): void {
    this.changes++;
    if (this.line.length > 0) void this.pump();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private async attempt(waiter: Waiter): Promise<void> {
    const result = await this.take(waiter).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    if (result === "busy") return;
    // Gave up (cancel, deadline) while the gate answered: the slot goes back.
    if (waiter.done) {
      if (result && !(result instanceof Error)) result.release();
    } else waiter.settle(result);
  }

  private schedule(): void {
    if (this.timer || this.closed || this.line.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pump();
    }, POLL_MS);
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        const budget = new Map<string, number>();
        const attempts: Promise<void>[] = [];
        for (const waiter of this.line) {
          if (waiter.done) continue;
          const left = budget.get(waiter.key) ?? this.room(waiter);
          if (left <= 0) continue;
          budget.set(waiter.key, left - 1);
          attempts.push(this.attempt(waiter));
        }
        await Promise.all(attempts);
      } while (this.again);
    } finally {
      this.pumping = false;
      this.schedule();
    }
  }
}
