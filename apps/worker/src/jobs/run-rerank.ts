import type { RerankJob, RerankResponse, RerankResult } from "@gateway/contracts";
import { withFailover, type DispatchLimits } from "../backends/with-failover.ts";
import { UpstreamError } from "../llama/upstream-error.ts";
import { dispatchBatches } from "./dispatch-batches.ts";
import { PromptProgress } from "./prompt-progress.ts";
import type { InferenceDeps } from "./inference-deps.ts";
import { JobEnd } from "./job-end.ts";
import type { InferenceOutcome, JobRun } from "./job-run.ts";

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
  progress: PromptProgress,
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
        progress.answered(answer.promptTokens ?? estimateTokens(job.query, documents), backend);
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
  const end = new JobEnd(job, run, deps);
  const progress = new PromptProgress();
  try {
    const scores = await dispatchBatches(job.documents, deps.embeddingsBatchSize, end.limits(), (documents, _offset, batchLimits) =>
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
    const response: RerankResponse = { id: `rerank-${job.request_id}`, object: "list", model: job.model, results, usage: progress.usage() };
    await end.succeed({ type: "result", response }, progress.billed()!);
    run.log.info({ documents: scores.length, prompt_tokens: progress.tokens, ms: Date.now() - end.startedAt }, "rerank job completed");
    return { documents: scores.length };
  } catch (err) {
    return end.fail(err, () => Promise.resolve(progress.billed()));
  }
}
