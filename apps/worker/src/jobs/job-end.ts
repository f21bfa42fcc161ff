import type { EmbeddingsResultMessage, InferenceQueuePayload, ResultMessage, Usage } from "@gateway/contracts";
import { UnrecoverableError } from "@gateway/queue";
import { BackendClock } from "../backends/backend-clock.ts";
import type { DispatchLimits } from "../backends/with-failover.ts";
import type { InferenceDeps } from "./inference-deps.ts";
import type { InferenceOutcome, JobRun } from "./job-run.ts";
import { toClientFailure, type ClientFailure } from "./to-client-failure.ts";

/** A job's last word without what JobEnd fills in (its request id, its time in backends). */
type LastWord = Omit<ResultMessage, "request_id" | "backend_ms"> | Omit<EmbeddingsResultMessage, "request_id" | "backend_ms">;

/** What a job had produced (and where): what is billed and told to the edge. */
export type Produced = { usage: Usage; backend: string };

/**
 * How every job kind ends, written once: its clock of backend time (started with the job), the
 * limits its dispatch runs under, and its two endings. A job that answered: its last word, the
 * result metric, then its one usage event. A job that failed: the client's error with what was
 * produced (so the edge settles the admission to it), the metrics, the usage event of what was
 * produced, the log line; a cancelled job completes, any other fails unrecoverably (failover
 * already happened inside).
 */
export class JobEnd {
  readonly startedAt = Date.now();
  readonly clock = new BackendClock();

  constructor(
    private readonly job: InferenceQueuePayload,
    private readonly run: JobRun,
    private readonly deps: InferenceDeps,
    /** The metric label: the job's model if configured, else "unknown". */
    private readonly model: string = job.model,
  ) {}

  limits(): DispatchLimits {
    const { job, run } = this;
    return { signal: run.signal, deadlineAt: job.deadline_at, requestId: job.request_id, clock: this.clock };
  }

  async succeed(last: LastWord, billed: Produced): Promise<void> {
    const { job, deps } = this;
    deps.publish(job, { ...last, request_id: job.request_id, backend_ms: this.clock.ms() } as ResultMessage | EmbeddingsResultMessage);
    deps.metrics.results.inc({ model: this.model, outcome: "succeeded" });
    // The usage event follows the last word on the same autopipelined connection: billing stays off the answer's path.
    await deps.recordUsage(job, { outcome: "succeeded", ...billed, startedAt: this.startedAt });
  }

  async fail(
    err: unknown,
    produced: (failure: ClientFailure) => Promise<Produced | undefined>,
    logFields: Record<string, unknown> = {},
  ): Promise<InferenceOutcome> {
    const { job, run, deps, model } = this;
    run.leavePending();
    const failure = toClientFailure(err);
    const used = await produced(failure);
    run.sendError({
      code: failure.code,
      message: failure.message,
      ...(failure.retryAfter ? { retry_after: failure.retryAfter } : {}),
      ...(used ? { usage: used.usage } : {}),
      backend_ms: this.clock.ms(),
    });
    deps.metrics.results.inc({ model, outcome: failure.cancelled ? "cancelled" : failure.code });
    if (failure.cancelled) deps.metrics.cancellations.inc({ model, stage: failure.stage ?? "waiting" });
    if (used) {
      const outcome = failure.usageOutcome ?? (failure.cancelled ? "cancelled" : "failed");
      await deps.recordUsage(job, { outcome, ...used, startedAt: this.startedAt });
    }
    const fields = { ...logFields, backend: used?.backend, code: failure.code, ms: Date.now() - this.startedAt };
    // The job's kind is on every line of its logger: one message per outcome for every kind.
    if (failure.code === "internal_error") run.log.error({ ...fields, err }, "inference job crashed");
    else if (failure.cancelled) run.log.info(fields, "inference job cancelled");
    else run.log.warn({ ...fields, err: (err as Error).message }, "inference job did not complete");
    if (failure.cancelled) return { cancelled: true };
    throw new UnrecoverableError(`${failure.code}: ${failure.message}`);
  }
}
