import type { InferenceQueuePayload, Usage } from "@gateway/contracts";
import { UnrecoverableError } from "@gateway/queue";
import type { BackendClock } from "../backends/backend-clock.ts";
import type { InferenceDeps } from "./inference-deps.ts";
import type { InferenceOutcome, JobRun } from "./job-run.ts";
import { toClientFailure, type ClientFailure } from "./to-client-failure.ts";

export interface JobFailure {
  run: JobRun;
  deps: InferenceDeps;
  /** The metric label: the job's model if configured, else "unknown". */
  model: string;
  clock: BackendClock;
  startedAt: number;
  /** What the job had produced (and where), to tell the edge and bill; undefined when nothing is billed. */
  produced: (failure: ClientFailure) => Promise<{ usage: Usage; backend: string } | undefined>;
  /** For the log line: what was produced so far. */
  logFields?: Record<string, unknown>;
}

/**
 * Ends a job that failed, for every job kind alike: the client's error (with what was produced,
 * so the edge settles the admission to it), the result and cancellation metrics, the usage event
 * of what was produced, the log line; a cancelled job completes, any other fails unrecoverably
 * (failover already happened inside).
 */
export async function failJob(err: unknown, job: InferenceQueuePayload, f: JobFailure): Promise<InferenceOutcome> {
  const { run, deps, model } = f;
  run.leavePending();
  const failure = toClientFailure(err);
  const produced = await f.produced(failure);
  run.sendError({
    code: failure.code,
    message: failure.message,
    ...(failure.retryAfter ? { retry_after: failure.retryAfter } : {}),
    ...(produced ? { usage: produced.usage } : {}),
    backend_ms: f.clock.ms(),
  });
  deps.metrics.results.inc({ model, outcome: failure.cancelled ? "cancelled" : failure.code });
  if (failure.cancelled) deps.metrics.cancellations.inc({ model, stage: failure.stage ?? "waiting" });
  if (produced) {
    const outcome = failure.usageOutcome ?? (failure.cancelled ? "cancelled" : "failed");
    await deps.recordUsage(job, { outcome, usage: produced.usage, backend: produced.backend, startedAt: f.startedAt });
  }
  const fields = { ...f.logFields, backend: produced?.backend, code: failure.code, ms: Date.now() - f.startedAt };
  // The job's kind is on every line of its logger: one message per outcome for every kind.
  if (failure.code === "internal_error") run.log.error({ ...fields, err }, "inference job crashed");
  else if (failure.cancelled) run.log.info(fields, "inference job cancelled");
  else run.log.warn({ ...fields, err: (err as Error).message }, "inference job did not complete");
  if (failure.cancelled) return { cancelled: true };
  throw new UnrecoverableError(`${failure.code}: ${failure.message}`);
}
