import { usageJobId, type InferenceQueuePayload, type Usage, type UsageOutcome } from "@gateway/contracts";
import type { Producer } from "@gateway/queue";
import type { WorkerMetrics } from "../worker-metrics.ts";

export interface UsageRecord {
  outcome: UsageOutcome;
  usage: Usage;
  backend: string;
  startedAt: number;
}

export type RecordUsage = (
  job: Pick<InferenceQueuePayload, "request_id" | "caller" | "model" | "client_request_id" | "kind">,
  record: UsageRecord,
) => Promise<void>;

/**
 * Adds the one usage event of a request under its deterministic job id: a re-delivered job adds
 * the same id again, which BullMQ ignores (and billing dedupes on request_id as well).
 */
export function createUsageRecorder(producer: Producer<"usage">, metrics: WorkerMetrics): RecordUsage {
  return async (job, { outcome, usage, backend, startedAt }) => {
    await producer.add(usageJobId(job.request_id), {
      v: 1,
      request_id: job.request_id,
      caller: job.caller,
      model: job.model,
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      outcome,
      backend,
      kind: job.kind,
      ...(job.client_request_id !== undefined && { client_request_id: job.client_request_id }),
      started_at: new Date(startedAt).toISOString(),
      finished_at: new Date().toISOString(),
    });
    metrics.tokens.inc({ model: job.model, backend, kind: "prompt" }, usage.prompt_tokens);
    metrics.tokens.inc({ model: job.model, backend, kind: "completion" }, usage.completion_tokens);
  };
}
