import { edgesKey, streamAttachedKey } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";
import type { CancelRegistry } from "../jobs/cancel-registry.ts";

export interface EdgeWatchOptions {
  /** An edge whose heartbeat is older than this is gone. */
  seenWithinMs: number;
  intervalMs: number;
}

/**
 * Cancels the work of an edge that died: a synchronous request or a stream is tied to the edge
 * that waits for it (its heartbeat is the lease), so once that edge stops beating its jobs here
 * are cancelled within `seenWithinMs` + `intervalMs` and billed for what they produced, instead
 * of generating to max_tokens into a slot nobody reads. A stream some other edge's client has
 * re-attached to through its resume URL keeps going. Nothing is judged until this worker has
 * heard Redis for a whole `seenWithinMs` (since its connection was last ready, and by replies
 * that came at once): after an outage, every edge's last beat looks old.
 */
export function watchEdges(redis: Redis, namespace: string, cancels: CancelRegistry, options: EdgeWatchOptions, logger: Logger) {
  let reliableSince = Date.now();
  const unreliable = () => (reliableSince = Date.now());
  redis.on("ready", unreliable);
  const check = async () => {
    // A command issued while the connection is away is answered after "ready", which made the
    // reading unreliable from then: such a reply is skipped below without a check of its own.
    const now = Date.now();
    let live: Set<string>;
    try {
      live = new Set(await redis.zrangebyscore(edgesKey(namespace), now - options.seenWithinMs, "+inf"));
    } catch {
      return unreliable();
    }
    // A reply held up that long (a stalled Redis) judges by beats Redis could not take in time.
    if (Date.now() - now > options.seenWithinMs / 2) return unreliable();
    if (now - reliableSince < options.seenWithinMs) return;
    for (const requestId of cancels.orphans((edge) => live.has(edge))) {
      // Unknown (Redis did not answer) is not "nobody attached": judged again next round.
      const attached = await redis.get(streamAttachedKey(namespace, requestId)).then(Number, () => undefined);
      if (attached === undefined || attached > 0) continue;
      if (cancels.cancel(requestId, "edge_gone")) logger.info({ request_id: requestId }, "cancelling: the edge waiting for it is gone");
    }
  };
  const timer = setInterval(() => void check(), options.intervalMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      redis.off("ready", unreliable);
    },
  };
}
