import type { Logger } from "@gateway/observability";
import type { LlamaClient } from "../llama/llama-client.ts";
import type { BackendPool } from "./backend-pool.ts";
import type { Backend } from "./backend-record.ts";
import type { BackendTokenCounters } from "./backend-token-counters.ts";

export interface BackendProber {
  /** One round over every backend; resolves when all have answered or timed out. */
  probeAll(): Promise<void>;
  /** Probes one backend now, e.g. the /health trial of a breaker that just went half-open. */
  probeOne(url: string): Promise<void>;
  start(): void;
  stop(): void;
}

/**
 * Polls each backend: `/health` through its breaker (200 ready, 503 "Loading model" loading,
 * anything else down), then, while ready, `/slots` for capacity and busy slots, and once per
 * readiness `/props` and `/v1/models` for the model's facts, and beside those, when `counters` is
 * given, `/metrics` for its own token counters (never through the breaker: a backend without them
 * is as healthy as one with). Rounds never overlap: a slow backend delays the next round rather
 * than piling up probes on a server that may already be blocked.
 */
export function createBackendProber(
  pool: BackendPool,
  client: LlamaClient,
  intervalMs: number,
  logger: Logger,
  /** Called after every round: concurrency follows the slots, the registry is published. */
  onRound: () => Promise<void> | void = () => {},
  counters?: BackendTokenCounters,
): BackendProber {
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  const probe = async (backend: Backend) => {
    const { url } = backend;
    const before = backend.state;
    const state = await backend.breaker.probe(() => client.health(url));
    if (state === "ready") {
      const counted = counters?.offer(url, () => client.tokenCounters(url));
      const slots = await client.slots(url);
      if (slots) pool.setSlots(url, slots.count, slots.busy);
      else if (!backend.slotsKnown) pool.setSlots(url, await client.propsSlotCount(url), null);
      if (!backend.metaKnown) {
        const meta = await client.describe(url);
        pool.setMeta(url, meta.n_ctx === undefined && slots?.nCtx ? { ...meta, n_ctx: slots.nCtx } : meta);
      }
      await counted;
    }
    pool.setState(url, state);
    backend.probedAt = Date.now();
    if (before !== state)
      logger.info({ backend: url, from: before, to: state, slots: backend.slots, breaker: backend.breaker.state }, "backend state changed");
  };

  const probeAll = async () => {
    await Promise.all(pool.all().map(probe));
    await onRound();
  };

  const loop = async () => {
    if (!running) return;
    await probeAll().catch((err: unknown) => logger.error({ err }, "backend probe failed"));
    if (running) timer = setTimeout(() => void loop(), intervalMs);
  };

  return {
    probeAll,
    async probeOne(url) {
      const backend = pool.get(url);
      if (backend) await probe(backend).catch((err: unknown) => logger.error({ err, backend: url }, "backend probe failed"));
    },
    start() {
      if (running) return;
      running = true;
      timer = setTimeout(() => void loop(), intervalMs);
    },
    stop() {
      running = false;
      clearTimeout(timer);
    },
  };
}
