import type { ChunkMessage, ErrorMessage, InferenceJob, ResultMessage } from "@gateway/contracts";
import type { Producer } from "@gateway/queue";
import type { Response } from "express";
import { AppError } from "../http/app-error.ts";
import type { EdgeMetrics } from "../metrics.ts";
import type { RelayHub } from "../relay/relay-hub.ts";
import type { WorkerPresence } from "../relay/worker-presence.ts";

export type Terminal = ResultMessage | ErrorMessage;

export interface CallDeps {
  hub: RelayHub;
  producer: Producer<"inference">;
  presence: WorkerPresence;
  metrics: EdgeMetrics;
  /** Claims a client-supplied request id for a day; false if it was already used. */
  claimRequestId: (requestId: string) => Promise<boolean>;
}

/**
 * Runs one job through the queue and waits for its end. Chunks go to `onChunk` as they arrive;
 * the promise resolves with the result or error, a timeout error at the deadline, or undefined
 * if the client went away first. Every path but success cancels the job.
 */
export async function callWorker(
  deps: CallDeps,
  job: InferenceJob,
  res: Response,
  onChunk?: (message: ChunkMessage) => void,
): Promise<Terminal | undefined> {
  if (deps.presence.workers === 0) {
    deps.metrics.rejections.inc({ reason: "unavailable" });
    throw new AppError("backend_unavailable", "no worker is available to serve this request", { retryAfter: 5 });
  }
  if (res.locals.requestIdFromClient && !(await deps.claimRequestId(job.request_id))) {
    throw new AppError("request_id_conflict", "this x-request-id was already used; send a new one or none");
  }

  const id = job.request_id;
  let settle!: (t: Terminal | undefined) => void;
  const ended = new Promise<Terminal | undefined>((resolve) => (settle = resolve));
  const cancel = (reason: "client_disconnected" | "timeout") => {
    deps.metrics.cancellations.inc({ reason });
    deps.hub.cancel(id, reason).catch(() => undefined);
  };
  const onClose = () => {
    cancel("client_disconnected");
    settle(undefined);
  };
  const timer = setTimeout(() => {
    cancel("timeout");
    settle({ type: "error", request_id: id, code: "upstream_timeout", message: "the request timed out before the backend finished" });
  }, job.deadline_at - Date.now());
  const unlisten = deps.hub.listen(id, (message) => {
    if (message.type === "chunk") onChunk?.(message);
    else settle(message);
  });
  res.once("close", onClose);

  try {
    await deps.producer.add(id, job);
  } catch {
    settle({ type: "error", request_id: id, code: "backend_unavailable", message: "the job queue is unavailable", retry_after: 5 });
  }
  try {
    return await ended;
  } finally {
    clearTimeout(timer);
    unlisten();
    res.off("close", onClose);
  }
}

/** The error a terminal error message becomes before any byte of the response was sent. */
export function toAppError(message: ErrorMessage): AppError {
  return new AppError(message.code, message.message, message.retry_after ? { retryAfter: message.retry_after } : {});
}
