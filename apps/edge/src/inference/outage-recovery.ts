import { setTimeout as sleep } from "node:timers/promises";
import type { ErrorMessage, RelayMessage } from "@gateway/contracts";
import type { Producer } from "@gateway/queue";
import type { ConnectionEvents } from "../relay/relay-hub.ts";
import type { EventLog } from "../resume/event-log.ts";

export interface OutageRecoveryDeps {
  events: EventLog;
  producer: Producer<"inference">;
  hub: { readonly connected: boolean };
  /** How long a request waits for Redis to come back before it is told the queue is unavailable. */
  queueOutageWaitMs: number;
}

/** One request waiting for its job's end, as the recovery sees it. */
export interface WaitingRequest {
  requestId: string;
  /** A message read back from the event log (`deliver` drops what was already heard). */
  deliver(message: RelayMessage): void;
  isAnswered(): boolean;
  /** Tells the client its request is lost; the caller cancels the job, which may still be queued. */
  fail(message: ErrorMessage): void;
  /** Adds the job again (the same id: a job already there is left alone). */
  enqueue(): Promise<void>;
}

export interface OutageRecovery extends ConnectionEvents {
  /** The enqueue failed: the job may be in the queue (the reply was lost) or not. */
  enqueueFailed(): void;
}

/** BullMQ states of a job that will still produce a last word. */
const LIVE = new Set(["waiting", "active", "delayed", "prioritized", "waiting-children"]);
/** Between two looks while Redis does not answer yet. */
const RETRY_MS = 250;

/**
 * Keeps a waiting request whole across a Redis outage. While the relay cannot hear Redis (or an
 * enqueue failed), the request waits up to `queueOutageWaitMs`, then ends with 503
 * `queue_unavailable`. Once Redis answers, what was published meanwhile is read from the
 * request's event log and delivered; a job still live goes on; a job whose enqueue failed and
 * that is not in the queue is added again (the enqueue is idempotent by request id, so a job
 * whose reply alone was lost is not doubled); a job Redis lost in the restart (gone, or ended
 * with no last word in its log) ends at once with `queue_unavailable`. Never later than the wait.
 */
export function outageRecovery(deps: OutageRecoveryDeps, request: WaitingRequest): OutageRecovery {
  const { requestId } = request;
  let waiting: NodeJS.Timeout | undefined;
  let uncertain = false;
  let recovering = false;
  const lostMessage = (why: string): ErrorMessage => ({
    type: "error",
    request_id: requestId,
    code: "queue_unavailable",
    message: `${why}; the request is cancelled (an answer that finished all the same is at GET /v1/chat/completions/${requestId}); retry`,
    retry_after: 5,
  });
  const fail = (why: string) => {
    if (!request.isAnswered()) request.fail(lostMessage(why));
  };
  const startWaiting = () => {
    if (waiting) return;
    waiting = setTimeout(() => {
      waiting = undefined;
      fail(`the gateway's queue (Redis) has been unreachable for ${Math.round(deps.queueOutageWaitMs / 1000)} s`);
    }, deps.queueOutageWaitMs);
    waiting.unref();
  };
  const stopWaiting = () => {
    clearTimeout(waiting);
    waiting = undefined;
  };
  const catchUp = async () => {
    for (let cursor = "-"; !request.isAnswered();) {
      const page = await deps.events.read(requestId, cursor);
      for (const { message } of page) request.deliver(message);
      if (page.length === 0) return;
      cursor = page.at(-1)!.id;
    }
  };
  /** One look at the log and the queue, after which the request goes on or has ended; throws while Redis does not answer. */
  const look = async (): Promise<void> => {
    await catchUp();
    if (request.isAnswered()) return;
    const state = await deps.producer.queue.getJobState(requestId);
    if (LIVE.has(state)) return;
    if (state === "unknown" && uncertain) {
      await request.enqueue();
      return;
    }
    // Ended (or gone) with no last word in its log yet: one more look, then it is lost.
    await catchUp();
    fail("the gateway's queue (Redis) restarted and lost this request");
  };
  const recover = async () => {
    if (recovering) return;
    recovering = true;
    try {
      // Until Redis answers or the wait is over (then the request has been told).
      while (!request.isAnswered()) {
        try {
          await look();
          uncertain = false;
          stopWaiting();
          return;
        } catch {
          if (!waiting) return fail("the gateway's queue (Redis) cannot be read after its restart");
          await sleep(RETRY_MS, undefined, { ref: false });
        }
      }
    } finally {
      recovering = false;
    }
  };
  return {
    lost: startWaiting,
    regained() {
      startWaiting();
      void recover();
    },
    enqueueFailed() {
      uncertain = true;
      startWaiting();
      // With the relay down, the look waits for it to be back (regained).
      if (deps.hub.connected) void recover();
    },
  };
}
