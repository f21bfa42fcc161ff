import type { ChunkMessage, ErrorMessage, InferenceQueuePayload, RelayMessage, ResultMessage } from "@gateway/contracts";
import { admitJob, enqueueJob } from "./admit-and-enqueue.ts";
import { cancelAfterGrace } from "./cancel-after-grace.ts";
import { deliveryGuard, RESTARTED_MESSAGE } from "./delivery-guard.ts";
import type { InferenceDeps } from "./inference-deps.ts";
import { outageRecovery } from "./outage-recovery.ts";
import { settledUsage, type Terminal } from "./terminal.ts";

/**
 * What the core needs of the client a job runs for, whatever carries it (HTTP JSON, SSE, a
 * WebSocket request): the transports are thin adapters over this.
 */
export interface InferenceTransport {
  /** Aborts when the client goes away (a closed response, a cancel message, a closed socket). */
  signal: AbortSignal;
  /** Admission's rate limit headers, once the job is admitted (before any answer byte). */
  setHeaders(headers: Record<string, string>): void;
  /** Each chunk of a streamed answer, in order; never a second delivery's. */
  onChunk?: (message: ChunkMessage) => void;
  /** When the client leaves: cancel the job at once (unset), or keep it going for a reconnect. */
  resume?: ResumeOnClose;
  /** Runs once the job is admitted, before it is queued: what must not happen for a refused request (storing a turn). */
  beforeEnqueue?: () => Promise<void>;
  /** The worker's last word when it comes, also after the client left (what it says of backend time). */
  onLastWord?: (message: Terminal) => void;
}

/** For a resumable stream: how long a disconnected client's job keeps going, and whether someone re-attached. */
export interface ResumeOnClose {
  graceMs: number;
  isAttached: () => Promise<boolean>;
}

/**
 * Runs one job through the queue and waits for its end: the one inference path of the edge.
 * Chunks go to the transport as they arrive; the promise resolves with the result or error, a
 * timeout error at the deadline, or undefined if the client went away first. Every path but
 * success cancels the job.
 *
 * The job is admitted first (429 otherwise). Its ticket is settled with the worker's last word,
 * which carries what was produced, even when that word comes after the client left or the
 * deadline passed; without one within the settle grace (a dead worker) the ticket is released
 * with nothing counted, and reconciliation with billing catches up on anything that was billed.
 */
export async function runInference<R extends Exclude<Terminal, ErrorMessage> = ResultMessage>(
  deps: InferenceDeps,
  payload: InferenceQueuePayload,
  transport: InferenceTransport,
): Promise<R | ErrorMessage | undefined> {
  // Every job logs its events (its answer included) for the retention: after a Redis restart the
  // edge catches up from the log, and an answer its client missed stays retrievable by its owner.
  const job: InferenceQueuePayload = { ...payload, events_ttl_s: payload.events_ttl_s ?? deps.attachments.retentionS };
  const { signal, resume } = transport;
  // A client gone before its job was queued gets nothing queued and holds nothing.
  if (signal.aborted) return undefined;
  const ticket = await admitJob(deps, job, (headers) => transport.setHeaders(headers));
  if (transport.beforeEnqueue && !signal.aborted) {
    try {
      await transport.beforeEnqueue();
    } catch (err) {
      ticket.release(undefined);
      throw err;
    }
  }
  if (signal.aborted) {
    ticket.release(undefined);
    return undefined;
  }
  const id = job.request_id;
  deps.attachments.own(id, job.caller.tenant_id);

  let answered = false;
  let grace: NodeJS.Timeout | undefined;
  const finish = (message: Terminal | undefined) => {
    if (answered) return;
    answered = true;
    clearTimeout(grace);
    ticket.release(settledUsage(message));
  };
  let settle!: (end: R | ErrorMessage | undefined) => void;
  const ended = new Promise<R | ErrorMessage | undefined>((resolve) => (settle = resolve));
  const cancel = (reason: "client_disconnected" | "timeout" | "restarted" | "queue_unavailable") => {
    deps.metrics.cancellations.inc({ reason });
    // Until it lands (Redis may be down) or the job could not start any more.
    void deps.hub.cancel(id, reason === "client_disconnected" || reason === "timeout" ? reason : "cancelled", job.deadline_at);
  };
  let resumable = false;
  const onClose = () => {
    if (resume && resume.graceMs > 0) {
      resumable = true;
      cancelAfterGrace(resume.graceMs, resume.isAttached, () => cancel("client_disconnected"));
    } else cancel("client_disconnected");
    settle(undefined);
  };
  const timer = setTimeout(() => {
    cancel("timeout");
    settle({ type: "error", request_id: id, code: "upstream_timeout", message: "the request timed out before the backend finished" });
  }, job.deadline_at - Date.now());
  let done = false;
  const guard = deliveryGuard();
  // A catch-up from the event log after a Redis outage repeats chunks already heard: each is delivered once.
  let heard = { attempt: 0, seq: -1 };
  const onMessage = (message: RelayMessage) => {
    if (answered) return;
    if (message.type === "chunk") {
      const attempt = message.attempt ?? 1;
      if (attempt === heard.attempt && message.seq <= heard.seq) return;
      heard = { attempt, seq: message.seq };
      const verdict = guard(message);
      if (verdict === "restarted") {
        cancel("restarted");
        settle({ type: "error", request_id: id, code: "upstream_error", message: RESTARTED_MESSAGE });
      } else if (verdict === "deliver" && !done) transport.onChunk?.(message);
      return;
    }
    // A chat job ends with a result, an embeddings job with embeddings (R says which), or either with an error.
    transport.onLastWord?.(message);
    settle(message as R | ErrorMessage);
    finish(message);
    if (done) unlisten();
  };
  // The client is told its request is lost: the job, perhaps still queued, must not run for nobody
  // (and be billed). A client that already left or timed out was dealt with then (a stream left
  // for a reconnect keeps its job): its ticket waits for the job's last word or the grace.
  const failOutage = (message: ErrorMessage) => {
    if (done) return;
    cancel("queue_unavailable");
    deps.shedder.dropped(job);
    settle(message);
    finish(undefined);
  };
  const recovery = outageRecovery(deps, {
    requestId: id,
    deliver: onMessage,
    isAnswered: () => answered,
    fail: failOutage,
    // Nobody waits for a job whose client left without a reconnect to wait for: not added again.
    enqueue: async () => {
      if (!done || resumable) await enqueueJob(deps, job, ticket);
    },
  });
  const unlisten = deps.hub.listen(id, onMessage, recovery);
  signal.addEventListener("abort", onClose, { once: true });

  try {
    await enqueueJob(deps, job, ticket);
    recovery.enqueued();
  } catch (err) {
    // A job the queue's schema refuses is this gateway's bug, not an outage: said at once.
    if (err instanceof Error && err.name === "ZodError") {
      deps.shedder.dropped(job);
      settle({ type: "error", request_id: id, code: "internal_error", message: "the gateway could not queue this request" });
      finish(undefined);
    } else {
      // A failed enqueue may have reached Redis all the same (its reply lost): the recovery finds out.
      recovery.enqueueFailed();
    }
  }
  try {
    return await ended;
  } finally {
    done = true;
    clearTimeout(timer);
    signal.removeEventListener("abort", onClose);
    if (answered) unlisten();
    else {
      // A stream left for a reconnect may run until its deadline: its ticket waits for its end.
      const waitMs = resumable ? Math.max(0, job.deadline_at - Date.now()) + deps.settleGraceMs : deps.settleGraceMs;
      grace = setTimeout(() => {
        unlisten();
        finish(undefined);
      }, waitMs);
      grace.unref();
    }
  }
}
