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
  /** The first enqueue resolved: the job is in the queue. Until then its state says nothing. */
  enqueued(): void;
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
  // Whether the job may be missing from the queue through no fault of Redis: its enqueue has not
  // resolved (in flight, or failed). Such a job found missing is added again, not declared lost.
  let uncertain = true;
  let recovering = false;
  // Set when a look is asked for while one runs (the connection dropped and came back meanwhile).
  let again = false;
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
    // The state first, then the log: a job that ended (and was removed) between the two has its
    // last word in the log by then.
    const state = await deps.producer.queue.getJobState(requestId);
    await catchUp();
    if (request.isAnswered()) return;
    if (LIVE.has(state)) return;
    if (state === "unknown" && uncertain) {
      await request.enqueue();
      uncertain = false;
      return;
    }
    // Ended (or gone) with no last word in its log yet: one more look, then it is lost.
    await catchUp();
    fail("the gateway's queue (Redis) restarted and lost this request");
  };
  const recover = async () => {
    if (recovering) {
      again = true;
      return;
    }
    recovering = true;
    try {
      do {
        again = false;
        // Until Redis answers or the wait is over (then the request has been told).
        for (;;) {
          if (request.isAnswered()) return;
          try {
            await look();
            break;
          } catch {
            if (!waiting) return fail("the gateway's queue (Redis) cannot be read after its restart");
            await sleep(RETRY_MS, undefined, { ref: false });
          }
        }
      } while (again && !request.isAnswered());
      // A look that came through while the relay is down again says nothing of what is published
      // now: the wait goes on until it is back (regained looks again).
      if (deps.hub.connected) stopWaiting();
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
    enqueued() {
      uncertain = false;
    },
    enqueueFailed() {
      uncertain = true;
      startWaiting();
      // With the relay down, the look waits for it to be back (regained).
      if (deps.hub.connected) void recover();
    },
  };
}
