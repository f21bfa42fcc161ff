import type { InferenceQueuePayload } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import type { EventLog } from "../resume/event-log.ts";
import { admitJob, enqueueJob } from "./admit-and-enqueue.ts";
import type { InferenceDeps } from "./inference-deps.ts";
import { settledUsage } from "./terminal.ts";
import { waitForEnd } from "./wait-for-end.ts";

/**
 * Runs a job nobody waits for (an async job): admitted like any other (same limits, same
 * queue), `record` stored before it is queued, then settled from its event log when its last
 * word lands. Settled by this process: if it dies first, the ticket's leases expire by themselves.
 */
export async function submitDetached(
  deps: InferenceDeps & { events: EventLog },
  payload: InferenceQueuePayload,
  setHeaders: (headers: Record<string, string>) => void,
  record: () => Promise<void>,
): Promise<void> {
  const job: InferenceQueuePayload = { ...payload, detached: true };
  const ticket = await admitJob(deps, job, setHeaders);
  try {
    await record();
    await enqueueJob(deps, job, ticket);
  } catch {
    ticket.release(undefined);
    throw new AppError("queue_unavailable", "the job queue (Redis) is unavailable; retry", { retryAfter: 5 });
  }
  const waitMs = Math.max(0, job.deadline_at - Date.now()) + deps.settleGraceMs;
  waitForEnd(deps.events, job.request_id, waitMs).then(
    (end) => ticket.release(settledUsage(end)),
    // Its log unreadable, the job still runs: its slot is held as long as it may.
    () => setTimeout(() => ticket.release(undefined), waitMs).unref(),
  );
}
