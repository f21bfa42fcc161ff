import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@gateway/observability";
import { SlotWaitExpired, type BackendPool } from "./backend-pool.ts";
import type { LlamaClient } from "./llama-client.ts";
import type { StreamState } from "./read-chat-stream.ts";
import { NoBackendError, UpstreamError } from "./upstream-error.ts";
import type { WorkerMetrics } from "./worker-metrics.ts";

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
}

export interface DispatchResult {
  state: StreamState;
  backend: string;
}

/**
 * Runs one chat request on the model's pool. A failure before the first token moves on to a
 * backend not tried yet, after a short backoff, invisibly to the client; after the first token
 * the error is final (the client already has part of the answer). Throws UpstreamError (with its
 * backend) or NoBackendError.
 */
export async function dispatchChat(
  model: string,
  body: object,
  onContent: (text: string) => void,
  { signal, deadlineAt }: DispatchLimits,
  deps: DispatchDeps,
  log: Logger,
): Promise<DispatchResult> {
  const { pool, client, metrics } = deps;
  const tried = new Set<string>();
  let last: UpstreamError | undefined;
  for (let attempt = 1; attempt <= deps.maxAttempts; attempt++) {
    const waitStart = performance.now();
    const lease = await pool.acquire(model, tried, signal, deadlineAt).catch((reason: unknown) => {
      if (reason instanceof SlotWaitExpired) throw new NoBackendError(last, reason.message);
      throw new UpstreamError("cancelled", "cancelled while waiting for a backend slot", { tokens: 0, reason });
    });
    metrics.slotWait.observe({ model }, (performance.now() - waitStart) / 1000);
    if (!lease) throw new NoBackendError(last);

    const { backend } = lease;
    const start = performance.now();
    const seconds = () => (performance.now() - start) / 1000;
    try {
      const state = await client.streamChat(backend, body, {
        signal,
        onContent,
        onFirstToken: () => metrics.timeToFirstToken.observe({ model, backend }, seconds()),
      });
      metrics.backendRequests.inc({ model, backend, outcome: "succeeded" });
      metrics.backendDuration.observe({ model, backend, outcome: "succeeded" }, seconds());
      return { state, backend };
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      err.backend = backend;
      metrics.backendRequests.inc({ model, backend, outcome: err.kind });
      metrics.backendDuration.observe({ model, backend, outcome: err.kind }, seconds());
      // Passive health: stop sending here until the prober sees it come back (within one interval).
      if (err.kind === "connect") pool.setState(backend, "down");
      if (err.kind === "loading") pool.setState(backend, "loading");
      if (!err.retryable) throw err;
      last = err;
      tried.add(backend);
      metrics.failovers.inc({ model, backend, kind: err.kind });
      log.warn({ backend, attempt, kind: err.kind, err: err.message }, "backend failed before the first token; trying another");
    } finally {
      lease.release();
    }
    if (deps.retryBackoffMs > 0 && attempt < deps.maxAttempts) {
      await sleep(deps.retryBackoffMs * attempt, undefined, { signal }).catch(() => {
        throw new UpstreamError("cancelled", "cancelled between backend attempts", { tokens: 0, reason: signal.reason });
      });
    }
  }
  throw new NoBackendError(last);
}
