import type { Logger } from "@gateway/observability";
import type { BackendPool } from "./backend-pool.ts";
import type { LlamaClient } from "./llama-client.ts";

export interface BackendProber {
  /** One round over every backend; resolves when all have answered or timed out. */
  probeAll(): Promise<void>;
  start(): void;
  stop(): void;
}

/**
 * Polls each backend's /health (200 ready, 503 "Loading model" loading, anything else down) and,
 * once it is ready, its slot count. Rounds never overlap: a slow backend delays the next round
 * rather than piling up probes on a server that may already be blocked.
 */
export function createBackendProber(
  pool: BackendPool,
  client: LlamaClient,
  intervalMs: number,
  logger: Logger,
  /** Called after every round, e.g. to follow slot counts with the consumer's concurrency. */
  onRound: () => void = () => {},
): BackendProber {
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  const probe = async (url: string) => {
    const backend = pool.all().find((b) => b.url === url);
    const before = backend?.state;
    const state = await client.health(url);
    if (state === "ready" && backend && !backend.slotsKnown) pool.setSlots(url, await client.slotCount(url));
    pool.setState(url, state);
    if (before !== state) logger.info({ backend: url, from: before, to: state, slots: backend?.slots }, "backend state changed");
  };

  const probeAll = async () => {
    await Promise.all(pool.all().map((b) => probe(b.url)));
    onRound();
  };

  const loop = async () => {
    if (!running) return;
    await probeAll().catch((err: unknown) => logger.error({ err }, "backend probe failed"));
    if (running) timer = setTimeout(() => void loop(), intervalMs);
  };

  return {
    probeAll,
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
