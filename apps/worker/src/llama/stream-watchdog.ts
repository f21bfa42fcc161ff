import type { BackendTimeouts } from "./backend-timeouts.ts";
import type { TimeoutPhase } from "./upstream-error.ts";

/**
 * The three timers of one backend stream: time to first token and total from the start, then
 * the gap between events once tokens flow. The connect timeout lives in the undici Pool.
 */
export class StreamWatchdog {
  started = false;
  private readonly total: NodeJS.Timeout;
  private waiting: NodeJS.Timeout;
  private stopped = false;
  private whole = false;

  constructor(
    private readonly timeouts: BackendTimeouts,
    private readonly onTimeout: (phase: TimeoutPhase) => void,
  ) {
    this.total = setTimeout(() => this.fire("total"), timeouts.totalMs);
    this.waiting = setTimeout(() => this.fire("first_token"), timeouts.firstTokenMs);
  }

  firstToken(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    clearTimeout(this.waiting);
    this.waiting = setTimeout(() => this.fire("idle"), this.timeouts.idleMs);
  }

  /**
   * For an answer that comes in one piece after the whole generation (a non-stream chat): only
   * the total timer bounds it, as no token shows the generation is alive before it ends.
   */
  untilWholeAnswer(): void {
    this.whole = true;
    clearTimeout(this.waiting);
  }

  /** Any event from the backend; only counts as liveness once tokens flow. */
  progress(): void {
    // refresh() re-arms the same timer: no allocation per token on the hot path.
    if (this.started && !this.stopped && !this.whole) this.waiting.refresh();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.total);
    clearTimeout(this.waiting);
  }

  private fire(phase: TimeoutPhase): void {
    if (this.stopped) return;
    this.stop();
    this.onTimeout(phase);
  }
}
