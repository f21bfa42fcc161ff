import type { BreakerState } from "@gateway/contracts";
import CircuitBreaker from "opossum";
import type { HealthState } from "../llama/llama-client.ts";
import { UpstreamError } from "../llama/upstream-error.ts";

export interface BreakerOptions {
  /** How long the breaker stays open before a /health trial may close it. */
  resetMs: number;
  /** Failures in a row that open it at once: a backend that died fails every call. */
  consecutiveFailures: number;
  /** Share of failed calls in the window that opens it: a backend that fails some calls. */
  errorPercentage: number;
  windowMs: number;
  /** Calls in the window before the percentage rule applies. */
  minRequests: number;
}

type Call = () => Promise<unknown>;

/** Counts only real failures: not loading, not cancellations, not errors the request caused. */
const ignored = (err: unknown) => !(err instanceof UpstreamError) || !err.countsAgainstBackend;

const refused = (url: string) => new UpstreamError("open", `circuit breaker open for ${url}`, { tokens: 0 });

/**
 * One backend's opossum breaker. Client requests only pass while it is closed; when it is
 * half-open, the prober's /health call is the trial (a client request never is), so a backend
 * that recovers rejoins without a user paying for the test.
 */
export class BackendBreaker {
  private readonly breaker: CircuitBreaker<[Call], unknown>;
  private consecutive = 0;

  constructor(
    readonly url: string,
    options: BreakerOptions,
    onChange: (state: BreakerState) => void,
  ) {
    this.breaker = new CircuitBreaker((call: Call) => call(), {
      name: url,
      // Our own connect/first-token/idle/total timers bound every call; opossum's would race them.
      timeout: false,
      resetTimeout: options.resetMs,
      errorThresholdPercentage: options.errorPercentage,
      rollingCountTimeout: options.windowMs,
      volumeThreshold: options.minRequests,
      rollingPercentilesEnabled: false,
      errorFilter: ignored,
    });
    // opossum's own rule is a percentage over a window that also holds the calls from before a
    // crash: counting failures in a row opens it within a few calls instead.
    this.breaker.on("failure", () => {
      if (++this.consecutive >= options.consecutiveFailures && this.breaker.closed) this.breaker.open();
    });
    this.breaker.on("success", () => (this.consecutive = 0));
    this.breaker.on("open", () => onChange("open"));
    this.breaker.on("halfOpen", () => onChange("half_open"));
    this.breaker.on("close", () => {
      this.consecutive = 0;
      onChange("closed");
    });
  }

  get state(): BreakerState {
    if (this.breaker.closed) return "closed";
    return this.breaker.halfOpen ? "half_open" : "open";
  }

  /** Runs a client request's backend call; UpstreamError "open" when the breaker is not closed. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    if (!this.breaker.closed) throw refused(this.url);
    try {
      return (await this.breaker.fire(call)) as T;
    } catch (err) {
      if (CircuitBreaker.isOurError(err as Error)) throw refused(this.url);
      throw err;
    }
  }

  /**
   * One /health probe. Half-open: it is the trial (ready or loading closes the breaker, down
   * re-opens it). Closed: a down answer counts as a failure, a good one counts for nothing (it
   * says nothing about generation). Open: it only tells the prober the state.
   */
  async probe(check: () => Promise<HealthState>): Promise<HealthState> {
    if (this.breaker.halfOpen) {
      try {
        return (await this.breaker.fire(async () => {
          const state = await check();
          if (state === "down") throw new UpstreamError("connect", "health probe failed", { tokens: 0 });
          return state;
        })) as HealthState;
      } catch (err) {
        // Another trial is already running: just look.
        if (CircuitBreaker.isOurError(err as Error)) return check();
        return "down";
      }
    }
    const state = await check();
    if (state === "down" && this.breaker.closed) {
      this.breaker.fire(() => Promise.reject(new UpstreamError("connect", "health probe failed", { tokens: 0 }))).catch(() => undefined);
    }
    return state;
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}
