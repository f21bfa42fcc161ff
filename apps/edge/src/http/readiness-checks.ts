import type { ReadinessCheck } from "@gateway/http";
import type { KeyRepository } from "../keys/key-repository.ts";
import type { WorkerPresence } from "../relay/worker-presence.ts";

/** Degraded, not down: without its database the edge still serves inference for every key it knows. */
export function degradedChecks({ keyRepository }: ReadinessDeps): Record<string, ReadinessCheck> {
  return { database: () => keyRepository.ping() };
}

export interface ReadinessDeps {
  presence: WorkerPresence;
  /** The edge's own database (keys not yet cached, conversations, admin): inference goes on without it. */
  keyRepository: KeyRepository;
  /** False once shutdown began (before the pre-stop delay): load balancers must stop sending work. */
  isReady: () => boolean;
}

/** Ready: not shutting down, Redis answers, and a worker sent a heartbeat recently. */
export function readinessChecks({ presence, isReady }: ReadinessDeps): Record<string, ReadinessCheck> {
  // A probe refreshes the presence (so admission sees a worker that just came up), once for both
  // checks of one probe.
  let refreshing: Promise<void> | undefined;
  const refreshed = () => (refreshing ??= presence.refresh().finally(() => (refreshing = undefined)));
  return {
    accepting: async () => {
      if (!isReady()) throw new Error("shutting down");
      return true;
    },
    redis: async () => {
      await refreshed();
      if (!presence.redisReachable) throw new Error("unreachable");
      return true;
    },
    workers: async () => {
      await refreshed();
      if (presence.workers === 0) throw new Error("no worker seen recently");
      return presence.workers;
    },
  };
}
