import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@gateway/observability";
import type { LlamaClient } from "../llama/llama-client.ts";
import { UpstreamError } from "../llama/upstream-error.ts";
import type { WorkerMetrics } from "../worker-metrics.ts";
import type { BackendClock } from "./backend-clock.ts";
import type { BackendPool } from "./backend-pool.ts";
import type { Capability, Lease } from "./lease.ts";
import { NoBackendError } from "./no-backend-error.ts";
import { SlotWaitExpired } from "./slot-waiters.ts";

export interface DispatchDeps {
  pool: BackendPool;
  client: LlamaClient;
  metrics: WorkerMetrics;
  maxAttempts: number;
  retryBackoffMs: number;
}

export interface DispatchLimits {
  /** Aborted by a cancel message or by shutdown. */
  signal: AbortSignal;
  /** Epoch ms after which the job may no longer wait for a free slot (the edge has given up on it). */
  deadlineAt: number;
  /** Leaves the model's pending set (the edge's queue-wait estimate) once a slot is taken. */
  requestId?: string;
  /** Times the backend calls, for the edge's overhead metric. */
  clock?: BackendClock;
}

export interface FailoverTarget<T> {
  model: string;
  capability: Capability;
  /** One attempt on `backend`, run under its breaker; `seconds` is the time since the attempt started. */
  call: (backend: string, seconds: () => number) => Promise<T>;
  /**
   * Set when nobody has seen any output yet (a non-stream job): a backend that fails even after
   * tokens is then replaced invisibly, and this is called to drop what it had produced.
   */
  onRestart?: () => void;
}

/** How each capability's backend calls are counted and their failovers logged. */
const REPORTING = {
  chat: {
    requests: "backendRequests",
    duration: "backendDuration",
    logTokens: true,
    failedOver: "backend failed before the client saw output; trying another",
  },
  // An embeddings answer comes whole: its failures never carry tokens.
  embeddings: {
    requests: "embeddingsRequests",
    duration: "embeddingsDuration",
    logTokens: false,
    failedOver: "embeddings backend failed; trying another",
  },
  rerank: {
    requests: "rerankRequests",
    duration: "rerankDuration",
    logTokens: false,
    failedOver: "rerank backend failed; trying another",
  },
} as const satisfies Record<
  Capability,
  { requests: keyof WorkerMetrics; duration: keyof WorkerMetrics; logTokens: boolean; failedOver: string }
>;

/** Waits for a lease on the model's pool; the wait's own failures become the errors dispatch throws. */
async function leaseFor(
  model: string,
  capability: Capability,
  tried: ReadonlySet<string>,
  limits: DispatchLimits,
  deps: Pick<DispatchDeps, "pool" | "metrics">,
  last: UpstreamError | undefined,
): Promise<Lease> {
  const waitStart = performance.now();
  const lease = await deps.pool
    .acquire(model, capability, tried, limits.signal, limits.deadlineAt, limits.requestId)
    .catch((reason: unknown) => {
      if (reason instanceof SlotWaitExpired) throw new NoBackendError(last, reason.message);
      if (limits.signal.aborted)
        throw new UpstreamError("cancelled", "cancelled while waiting for a backend slot", { tokens: 0, reason: limits.signal.reason });
      throw new NoBackendError(last, `the slot registry did not answer: ${(reason as Error).message}`);
    });
  deps.metrics.slotWait.observe({ model }, (performance.now() - waitStart) / 1000);
  if (!lease) throw new NoBackendError(last);
  return lease;
}

/** Sleeps between attempts; a cancel during the pause ends the job. */
async function backoff(attempt: number, deps: Pick<DispatchDeps, "retryBackoffMs" | "maxAttempts">, signal: AbortSignal): Promise<void> {
  if (deps.retryBackoffMs <= 0 || attempt >= deps.maxAttempts) return;
  await sleep(deps.retryBackoffMs * attempt, undefined, { signal }).catch(() => {
    throw new UpstreamError("cancelled", "cancelled between backend attempts", { tokens: 0, reason: signal.reason });
  });
}

/**
 * Runs `target.call` on the model's pool, under each backend's breaker, up to `maxAttempts`
 * times. A retryable failure (none before the first token, see UpstreamError.retryable) moves on
 * to a backend not tried yet, after a short backoff; one after tokens too when `onRestart` is
 * set. Throws UpstreamError (with its backend) or NoBackendError.
 */
export async function withFailover<T>(target: FailoverTarget<T>, limits: DispatchLimits, deps: DispatchDeps, log: Logger): Promise<T> {
  const { pool, metrics } = deps;
  const { model, capability } = target;
  const report = REPORTING[capability];
  const tried = new Set<string>();
  let last: UpstreamError | undefined;
  for (let attempt = 1; attempt <= deps.maxAttempts; attempt++) {
    const lease = await leaseFor(model, capability, tried, limits, deps, last).catch((err: unknown) => {
      // A replay with nowhere to go: the failure that produced tokens is the one to report (and bill).
      if (err instanceof NoBackendError && last && last.details.tokens > 0) throw last;
      throw err;
    });
    const { backend } = lease;
    const start = performance.now();
    const seconds = () => (performance.now() - start) / 1000;
    limits.clock?.enter();
    try {
      const value = await pool.get(backend)!.breaker.run(() => target.call(backend, seconds));
      metrics[report.requests].inc({ model, backend, outcome: "succeeded" });
      metrics[report.duration].observe({ model, backend, outcome: "succeeded" }, seconds());
      return value;
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      err.backend = backend;
      metrics[report.requests].inc({ model, backend, outcome: err.kind });
      metrics[report.duration].observe({ model, backend, outcome: err.kind }, seconds());
      // Seen on a real request: no need to wait for the prober to stop sending here.
      if (err.kind === "loading") pool.setState(backend, "loading");
      const replay = target.onRestart !== undefined && err.details.tokens > 0 && err.retryableKind;
      if (!err.retryable && !replay) throw err;
      if (replay) target.onRestart?.();
      last = err;
      tried.add(backend);
      metrics.failovers.inc({ model, backend, kind: err.kind });
      const tokens = report.logTokens ? { tokens: err.details.tokens } : {};
      log.warn({ backend, attempt, kind: err.kind, ...tokens, err: err.message }, report.failedOver);
    } finally {
      limits.clock?.leave();
      lease.release();
    }
    await backoff(attempt, deps, limits.signal);
  }
  throw new NoBackendError(last);
}
