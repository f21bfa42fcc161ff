import type { InferenceQueuePayload } from "@gateway/contracts";
import { RefusalError } from "../http/refusal-error.ts";
import type { Admission, Ticket } from "../limits/admission.ts";
import type { QueueDeps } from "./inference-deps.ts";
import { completionAdmitRequest } from "./to-completion-job.ts";
import { embeddingsAdmitRequest } from "./to-embeddings-job.ts";
import { rerankAdmitRequest } from "./to-rerank-job.ts";

/** Each job kind's reservation: prompt upper bound plus what it may generate. */
function admitOf(admission: Admission, job: InferenceQueuePayload): Promise<Ticket> {
  switch (job.kind) {
    case "chat":
      return admission.admitChat(job);
    case "embeddings":
      return admission.admit(embeddingsAdmitRequest(job));
    case "completion":
      return admission.admit(completionAdmitRequest(job));
    case "rerank":
      return admission.admit(rerankAdmitRequest(job));
  }
}

/**
 * Refuses a job that cannot be served now (503 without a worker, or when its model's queue is
 * too long), then takes its admission ticket (429 otherwise) and hands its rate limit headers to
 * `setHeaders`.
 */
export async function admitJob(
  deps: QueueDeps,
  job: InferenceQueuePayload,
  setHeaders: (headers: Record<string, string>) => void,
): Promise<Ticket> {
  if (!deps.presence.redisReachable) {
    throw new RefusalError("unavailable", "queue_unavailable", "the job queue (Redis) is unavailable; retry", { retryAfter: 5 });
  }
  if (deps.presence.workers === 0) {
    throw new RefusalError("unavailable", "backend_unavailable", "no worker is available to serve this request", { retryAfter: 5 });
  }
  deps.shedder.admit(job.model);
  const ticket = await admitOf(deps.admission, job);
  setHeaders(ticket.headers);
  return ticket;
}

/**
 * Puts an admitted job on the queue at its ticket's priority, counted in its model's pending set.
 * Rejects with the queue's error when the enqueue fails: the job may be there all the same (its
 * reply lost), so its pending entry stays until the caller knows (it is scored by the deadline, so
 * a stale one stops counting then); the ticket is the caller's to settle either way.
 */
export async function enqueueJob(deps: QueueDeps, job: InferenceQueuePayload, ticket: Ticket): Promise<void> {
  deps.shedder.enqueued(job);
  await deps.producer.add(job.request_id, job, { priority: ticket.priority });
}
