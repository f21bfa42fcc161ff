import type { InferenceQueuePayload } from "@gateway/contracts";
import type { Producer } from "@gateway/queue";
import type { Response } from "express";
import { RefusalError } from "../http/refusal-error.ts";
import { embeddingsAdmitRequest } from "../embeddings/to-embeddings-job.ts";
import type { Admission, Ticket } from "../limits/admission.ts";
import type { LoadShedder } from "../models/load-shedder.ts";
import type { WorkerPresence } from "../relay/worker-presence.ts";

/** What putting a job on the inference queue needs: shared by the synchronous endpoints and `/v1/jobs`. */
export interface QueueDeps {
  producer: Producer<"inference">;
  presence: WorkerPresence;
  /** Rate limits, concurrency and token quota: a ticket per admitted job. */
  admission: Admission;
  /** 503 when the model's queue is already too long; counts what waits for the estimate. */
  shedder: LoadShedder;
}

/**
 * Refuses a job that cannot be served now (503 without a worker, or when its model's queue is
 * too long), then takes its admission ticket (429 otherwise) and sets the rate limit headers on
 * `res`. `beforeTicket` runs between the two: a check that must not run for a job refused anyway
 * and must not hold a ticket when it fails.
 */
export async function admitJob(
  deps: QueueDeps,
  job: InferenceQueuePayload,
  res: Response,
  beforeTicket?: () => Promise<void>,
): Promise<Ticket> {
  if (deps.presence.workers === 0) {
    throw new RefusalError("unavailable", "backend_unavailable", "no worker is available to serve this request", { retryAfter: 5 });
  }
  deps.shedder.admit(job.model);
  await beforeTicket?.();
  const ticket = await (job.kind === "chat" ? deps.admission.admitChat(job) : deps.admission.admit(embeddingsAdmitRequest(job)));
  for (const [name, value] of Object.entries(ticket.headers)) res.setHeader(name, value);
  return ticket;
}

/**
 * Puts an admitted job on the queue at its ticket's priority, counted in its model's pending set.
 * Rejects with the queue's error when the enqueue fails (the pending entry is removed again); the
 * ticket is the caller's to settle either way.
 */
export async function enqueueJob(deps: QueueDeps, job: InferenceQueuePayload, ticket: Ticket): Promise<void> {
  try {
    deps.shedder.enqueued(job);
    await deps.producer.add(job.request_id, job, { priority: ticket.priority });
  } catch (err) {
    deps.shedder.dropped(job);
    throw err;
  }
}
