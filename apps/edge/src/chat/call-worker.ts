import type { Prices } from "@gateway/config";
import type { ChunkMessage, ErrorMessage, InferenceQueuePayload, RelayMessage, ResultMessage } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import type { Response } from "express";
import type { EdgeMetrics } from "../metrics.ts";
import type { RelayHub } from "../relay/relay-hub.ts";
import { admitJob, enqueueJob, type QueueDeps } from "./admit-and-enqueue.ts";

export type Terminal = ResultMessage | ErrorMessage;
/** Any job's last word: a chat job ends with a result or error, an embeddings job with embeddings or error. */
export type AnyTerminal = Exclude<RelayMessage, ChunkMessage>;

export interface CallDeps extends QueueDeps {
  hub: RelayHub;
  metrics: EdgeMetrics;
  /** Claims a client-supplied request id for a day; false if it was already used. */
  claimRequestId: (requestId: string) => Promise<boolean>;
  /** After a cancel or timeout, how long to keep listening for the worker's last word (what was produced). */
  settleGraceMs: number;
  /** For the cost of each completion (the same exact arithmetic billing uses). */
  prices: Prices;
}

/**
 * Runs one job through the queue and waits for its end. Chunks go to `onChunk` as they arrive;
 * the promise resolves with the result or error, a timeout error at the deadline, or undefined
 * if the client went away first. Every path but success cancels the job.
 *
 * The job is admitted first (429 otherwise; the rate limit headers are set on `res`). Its ticket
 * is settled with the worker's last word, which carries what was produced, even when that word
 * comes after the client left or the deadline passed; without one within the settle grace (a
 * dead worker) the ticket is released with nothing counted, and reconciliation with billing
 * catches up on anything that was billed after all.
 */
export async function callWorker<R extends Exclude<AnyTerminal, ErrorMessage> = ResultMessage>(
  deps: CallDeps,
  job: InferenceQueuePayload,
  res: Response,
  onChunk?: (message: ChunkMessage) => void,
  resume?: ResumeOnClose,
): Promise<R | ErrorMessage | undefined> {
  const ticket = await admitJob(deps, job, res, async () => {
    if (res.locals.requestIdFromClient && !(await deps.claimRequestId(job.request_id))) {
      throw new AppError("request_id_conflict", "this x-request-id was already used; send a new one or none");
    }
  });

  const id = job.request_id;
  let answered = false;
  let grace: NodeJS.Timeout | undefined;
  const finish = (message: AnyTerminal | undefined) => {
    if (answered) return;
    answered = true;
    clearTimeout(grace);
    ticket.release(message?.type === "result" ? message.response.usage : message?.usage);
  };
  let settle!: (t: R | ErrorMessage | undefined) => void;
  const ended = new Promise<R | ErrorMessage | undefined>((resolve) => (settle = resolve));
  const cancel = (reason: "client_disconnected" | "timeout") => {
    deps.metrics.cancellations.inc({ reason });
    deps.hub.cancel(id, reason).catch(() => undefined);
  };
  let resumable = false;
  const onClose = () => {
    if (resume && resume.graceMs > 0) {
      // The job keeps generating into its event log for a reconnect through the resume URL.
      resumable = true;
      const check = setTimeout(() => {
        resume.isAttached().then(
          (attached) => attached || cancel("client_disconnected"),
          () => cancel("client_disconnected"),
        );
      }, resume.graceMs);
      check.unref();
    } else cancel("client_disconnected");
    settle(undefined);
  };
  const timer = setTimeout(() => {
    cancel("timeout");
    settle({ type: "error", request_id: id, code: "upstream_timeout", message: "the request timed out before the backend finished" });
  }, job.deadline_at - Date.now());
  let done = false;
  // A job re-delivered after its worker died streams again from seq 0: once a client has part of
  // one delivery's answer, another delivery's chunks must not be spliced in (duplicated text).
  let attempt: number | undefined;
  let restarted = false;
  const unlisten = deps.hub.listen(id, (message) => {
    if (message.type === "chunk") {
      if (attempt !== undefined && (message.attempt ?? 1) !== attempt) {
        if (restarted) return;
        restarted = true;
        deps.metrics.cancellations.inc({ reason: "restarted" });
        deps.hub.cancel(id, "cancelled").catch(() => undefined);
        settle({
          type: "error",
          request_id: id,
          code: "upstream_error",
          message: "the worker serving this stream failed after sending part of the answer; the partial answer cannot be resumed",
        });
        return;
      }
      attempt = message.attempt ?? 1;
      if (!done) onChunk?.(message);
      return;
    }
    // A chat job ends with a result, an embeddings job with embeddings (R says which), or either with an error.
    res.locals.backendMs = message.backend_ms;
    settle(message as R | ErrorMessage);
    finish(message);
    if (done) unlisten();
  });
  res.once("close", onClose);

  try {
    await enqueueJob(deps, job, ticket);
  } catch {
    settle({ type: "error", request_id: id, code: "backend_unavailable", message: "the job queue is unavailable", retry_after: 5 });
    finish(undefined);
  }
  try {
    return await ended;
  } finally {
    done = true;
    clearTimeout(timer);
    res.off("close", onClose);
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

/** For a resumable stream: how long a disconnected client's job keeps going, and whether someone re-attached. */
export interface ResumeOnClose {
  graceMs: number;
  isAttached: () => Promise<boolean>;
}

/** The error a terminal error message becomes before any byte of the response was sent. */
export function toAppError(message: ErrorMessage): AppError {
  return new AppError(message.code, message.message, message.retry_after ? { retryAfter: message.retry_after } : {});
}
