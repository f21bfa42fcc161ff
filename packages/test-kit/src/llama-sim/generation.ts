import type { ServerResponse } from "node:http";
import type { SimContext } from "./sim-context.ts";
import type { Slot } from "./slot-pool.ts";
import type { RequestEndEvent } from "./types.ts";

export type Outcome = "completed" | "aborted" | "faulted";

export interface Timings {
  prompt_n: number;
  prompt_ms: number;
  prompt_per_token_ms: number;
  prompt_per_second: number;
  predicted_n: number;
  predicted_ms: number;
  predicted_per_token_ms: number;
  predicted_per_second: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * One generation request from arrival to end: waits for a slot, runs its work there, and ends
 * exactly once, completed, faulted, or aborted the moment the client goes away (slot freed).
 */
export class Generation {
  slot: Slot | undefined;
  tokens = 0;
  /** What `llamacpp:prompt_tokens_total` gains once the first token is out (the prompt was processed). */
  promptTokens = 0;
  /** Stops the work's pending timer when the client goes away. */
  private stop: (() => void) | undefined;
  private cancelWait: (() => void) | undefined;
  private ended = false;
  private readonly arrivedAt = performance.now();
  private startedAt = 0;
  private firstTokenAt = 0;

  constructor(
    readonly ctx: SimContext,
    readonly res: ServerResponse,
    private readonly endpoint: RequestEndEvent["endpoint"],
    private readonly maxTokens: number | null,
    work: (generation: Generation, slot: Slot) => void,
  ) {
    res.once("close", () => {
      if (this.ended) return;
      this.stop?.();
      this.end("aborted");
    });
    this.cancelWait = ctx.pool.acquire((slot) => {
      this.cancelWait = undefined;
      this.slot = slot;
      this.startedAt = performance.now();
      work(this, slot);
    });
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Produces `count` tokens with the configured latency: ttftMs before the first, interTokenMs
   * between the next ones. With no latency everything runs now, in one batch, so the benchmark
   * baseline pays for no timers.
   */
  produce(count: number, onToken: (index: number) => void, onBatch: () => void, onDone: () => void): void {
    const { ttftMs, interTokenMs } = this.ctx.config;
    const slot = this.slot;
    let i = 0;
    let timer: NodeJS.Timeout | undefined;
    const step = (): void => {
      timer = undefined;
      if (i === 0) this.firstTokenAt = performance.now();
      if (i < count) {
        if (i === 0) this.promptEvaluated();
        do onToken(i++);
        while (i < count && interTokenMs <= 0);
        this.tokens = i;
        if (slot !== undefined) slot.nDecoded = i;
        onBatch();
      }
      if (this.ended) return;
      if (i < count) timer = setTimeout(step, interTokenMs);
      else onDone();
    };
    this.stop = () => clearTimeout(timer);
    if (ttftMs > 0) timer = setTimeout(step, ttftMs);
    else step();
  }

  timings(promptN: number): Timings {
    const now = performance.now();
    const promptMs = this.firstTokenAt - this.startedAt;
    const predictedMs = now - this.firstTokenAt;
    const n = this.tokens;
    return {
      prompt_n: promptN,
      prompt_ms: round3(promptMs),
      prompt_per_token_ms: round3(promptMs / Math.max(1, promptN)),
      prompt_per_second: round3(promptMs > 0 ? (promptN * 1000) / promptMs : 0),
      predicted_n: n,
      predicted_ms: round3(predictedMs),
      predicted_per_token_ms: round3(n > 0 ? predictedMs / n : 0),
      predicted_per_second: round3(predictedMs > 0 ? (n * 1000) / predictedMs : 0),
    };
  }

  /**
   * As llama-server's metrics.on_prompt_eval, called when a generation samples its first token:
   * a prompt counts once processed, even if the generation is cancelled later; one cancelled
   * before its first token, an embeddings or a rerank request never counts.
   */
  private promptEvaluated(): void {
    const { totals } = this.ctx;
    totals.promptTokens += this.promptTokens;
    totals.promptMs += this.firstTokenAt - this.startedAt;
  }

  end(outcome: Outcome): void {
    if (this.ended) return;
    this.ended = true;
    const { stats, totals, pool, endListeners } = this.ctx;
    stats[outcome]++;
    totals.decodes += this.tokens;
    // As llama-server's metrics.on_prediction, called only where a generation stops by itself (end
    // of sequence, max_tokens, a stop word): a cancelled or failed one adds nothing to the counter.
    if (outcome === "completed" && this.tokens > 0) {
      totals.predictedTokens += this.tokens;
      totals.predictedMs += performance.now() - this.firstTokenAt;
    }
    if (this.slot !== undefined) pool.release(this.slot);
    else this.cancelWait?.();
    if (endListeners.size === 0) return;
    const event: RequestEndEvent = {
      endpoint: this.endpoint,
      aborted: outcome === "aborted",
      tokens: this.tokens,
      durationMs: performance.now() - this.arrivedAt,
      maxTokens: this.maxTokens,
    };
    for (const listener of endListeners) listener(event);
  }
}
