import type { RerankJob, RerankResponse, RerankResult } from "@gateway/contracts";
import { BackendClock } from "../backends/backend-clock.ts";
import { withFailover, type DispatchLimits } from "../backends/with-failover.ts";
import { UpstreamError } from "../llama/upstream-error.ts";
import { dispatchBatches } from "./dispatch-batches.ts";
import { failJob } from "./fail-job.ts";
import type { InferenceDeps } from "./inference-deps.ts";
import type { InferenceOutcome, JobRun } from "./job-run.ts";
import { RETRY_AFTER_S } from "./to-client-failure.ts";

interface RerankProgress {
  tokens: number;
  backend: string | undefined;
}

/** A query and document pair as a reranker reads it, in tokens, when the backend did not say: chars/4. */
const estimateTokens = (query: string, documents: readonly string[]) =>
  documents.reduce((n, d) => n + Math.ceil((query.length + d.length) / 4), 0);

/** One batch's scores, by position in the batch; any order the backend answers in (b4748 keeps the request's, newer builds sort). */
async function scoreBatch(
  job: RerankJob,
  documents: string[],
  limits: DispatchLimits,
  deps: InferenceDeps,
  run: JobRun,
  progress: RerankProgress,
): Promise<number[]> {
  const body = { model: job.model, query: job.query, documents, top_n: documents.length };
  const scores = await withFailover(
    {
      model: job.model,
      capability: "rerank",
      call: async (backend) => {
        const answer = await deps.client.rerank(backend, body, limits.signal);
        const byIndex = new Array<number>(documents.length);
        for (const { index, score } of answer.scores) if (index >= 0 && index < documents.length) byIndex[index] = score;
        if (answer.scores.length !== documents.length || byIndex.includes(undefined as unknown as number))
          throw new UpstreamError("stream", `backend scored ${answer.scores.length} of ${documents.length} documents`, { tokens: 0 });
        progress.tokens += answer.promptTokens ?? estimateTokens(job.query, documents);
        progress.backend ??= backend;
        return byIndex;
      },
    },
    limits,
    deps,
    run.log,
  );
  return scores;
}

/**
 * Scores a rerank job's documents on the model's rerank pool, in batches across it (as
 * embeddings), and answers the best `top_n` first, with their texts when asked: the gateway
 * sorts and cuts itself, as b4748 does neither. Billed for prompt tokens only.
 */
export async function runRerank(job: RerankJob, run: JobRun, deps: InferenceDeps): Promise<InferenceOutcome> {
  if (!deps.pool.hasModel(job.model, "rerank")) {
    throw run.refuse({
      code: "backend_unavailable",
      message: `no rerank backends configured for model '${job.model}'`,
      retry_after: RETRY_AFTER_S,
    });
  }
  const startedAt = Date.now();
  const progress: RerankProgress = { tokens: 0, backend: undefined };
  const usage = () => ({ prompt_tokens: progress.tokens, total_tokens: progress.tokens });
  const clock = new BackendClock();
  try {
    const limits = { signal: run.signal, deadlineAt: job.deadline_at, requestId: job.request_id, clock };
    const scores = await dispatchBatches(job.documents, deps.embeddingsBatchSize, limits, (documents, _offset, batchLimits) =>
      scoreBatch(job, documents, batchLimits, deps, run, progress),
    );
    const results: RerankResult[] = scores
      .map((relevance_score, index) => ({
        index,
        relevance_score,
        ...(job.return_documents === true && { document: { text: job.documents[index]! } }),
      }))
      .sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index)
      .slice(0, job.top_n ?? scores.length);
    const response: RerankResponse = { id: `rerank-${job.request_id}`, object: "list", model: job.model, results, usage: usage() };
    deps.publish(job, { type: "result", request_id: job.request_id, response, backend_ms: clock.ms() });
    deps.metrics.results.inc({ model: job.model, outcome: "succeeded" });
    await new Promise(setImmediate);
    await deps.recordUsage(job, {
      outcome: "succeeded",
      usage: { ...usage(), completion_tokens: 0 },
      backend: progress.backend!,
      startedAt,
    });
    run.log.info({ documents: scores.length, prompt_tokens: progress.tokens, ms: Date.now() - startedAt }, "rerank job completed");
    return { documents: scores.length };
  } catch (err) {
    return failJob(err, job, {
      run,
      deps,
      model: job.model,
      clock,
      startedAt,
      produced: () =>
        Promise.resolve(progress.backend ? { usage: { ...usage(), completion_tokens: 0 }, backend: progress.backend } : undefined),
    });
  }
}
