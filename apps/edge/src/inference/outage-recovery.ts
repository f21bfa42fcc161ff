import type { ErrorMessage, RelayMessage } from "@gateway/contracts";
import type { Producer } from "@gateway/queue";
import type { ConnectionEvents } from "../relay/relay-hub.ts";
import type { EventLog } from "../resume/event-log.ts";

export interface OutageRecoveryDeps {
  events: EventLog;
  producer: Producer<"inference">;
  /** How long a request waits for Redis to come back before it is told the queue is unavailable. */
  queueOutageWaitMs: number;
}

/** BullMQ states of a job that will still produce a last word. */
const LIVE = new Set(["waiting", "active", "delayed", "prioritized", "waiting-children"]);

/**
 * Keeps a waiting request whole across a Redis outage. While the relay cannot hear Redis, the
 * request waits up to `queueOutageWaitMs`, then ends with 503 `queue_unavailable` (its answer,
 * if the job still finishes, stays retrievable by its owner). When the relay is back, what was
 * published meanwhile is read from the request's event log and delivered (`deliver` drops what
 * was already heard); a job Redis lost in the restart (gone from the queue, or ended with no
 * last word in its log) ends at once with `queue_unavailable`. Never later than that.
 */
export function outageRecovery(
  deps: OutageRecoveryDeps,
  requestId: string,
  deliver: (message: RelayMessage) => void,
  isAnswered: () => boolean,
  fail: (message: ErrorMessage) => void,
): ConnectionEvents {
  let waiting: NodeJS.Timeout | undefined;
  const lostMessage = (why: string): ErrorMessage => ({
    type: "error",
    request_id: requestId,
    code: "queue_unavailable",
    message: `${why}; if it still finishes, its answer is kept for you at GET /v1/chat/completions/${requestId}`,
    retry_after: 5,
  });
  const catchUp = async () => {
    for (let cursor = "-"; !isAnswered();) {
      const page = await deps.events.read(requestId, cursor);
      for (const { message } of page) deliver(message);
      if (page.length === 0) return;
      cursor = page.at(-1)!.id;
    }
  };
  return {
    lost() {
      clearTimeout(waiting);
      waiting = setTimeout(() => {
        if (!isAnswered())
          fail(lostMessage(`the gateway's queue (Redis) has been unreachable for ${Math.round(deps.queueOutageWaitMs / 1000)} s`));
      }, deps.queueOutageWaitMs);
      waiting.unref();
    },
    regained() {
      clearTimeout(waiting);
      void (async () => {
        await catchUp();
        if (isAnswered()) return;
        const state = await deps.producer.queue.getJobState(requestId);
        if (LIVE.has(state)) return;
        // Ended (or gone) with no last word in its log yet: one more look, then it is lost.
        await catchUp();
        if (!isAnswered()) fail(lostMessage("the gateway's queue (Redis) restarted and lost this request"));
      })().catch(() => {
        if (!isAnswered()) fail(lostMessage("the gateway's queue (Redis) cannot be read after its restart"));
      });
    },
  };
}
