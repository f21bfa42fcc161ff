import type { InferenceQueuePayload, Usage, UsageOutcome } from "@gateway/contracts";
import { appendUsageEvent } from "@gateway/queue";
import type { Redis } from "ioredis";
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
 * Appends the one usage event of a request to the usage stream, on a connection that waits out a
 * Redis outage. A re-delivered job appends it again; billing writes one row per request id.
 */
export function createUsageRecorder(redis: Redis, namespace: string, metrics: WorkerMetrics): RecordUsage {
  return async (job, { outcome, usage, backend, startedAt }) => {
    await appendUsageEvent(redis, namespace, {
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
