import { embeddingsResultKey, type EmbeddingsJob } from "@gateway/contracts";
import { promptFits } from "./context-guard.ts";
import { dispatchEmbeddings } from "./dispatch-embeddings.ts";
import type { InferenceDeps } from "./inference-deps.ts";
import { JobEnd } from "./job-end.ts";
import type { InferenceOutcome, JobRun } from "./job-run.ts";
import { PromptProgress } from "./prompt-progress.ts";

/** How long the edge has to take an embeddings body before it expires. */
const RESULT_TTL_MS = 60_000;
/** BOS and EOS around each text input. */
const SPECIAL_TOKENS = 2;

/** Refuses an input longer than the model's context: llama-server would fail it with a 500. */
async function checkInputs(job: EmbeddingsJob, run: JobRun, deps: InferenceDeps): Promise<void> {
  const context = deps.pool.contextLength(job.model, "embeddings");
  if (context === undefined) return;
  const tokenizers = deps.pool.tokenizers(job.model, "embeddings");
  for (const [index, prompt] of job.prompts.entries()) {
    const verdict =
      typeof prompt === "string"
        ? await promptFits(prompt, SPECIAL_TOKENS, context, tokenizers, deps.client)
        : { outcome: prompt.length <= context ? ("fits" as const) : ("exceeded" as const), tokens: prompt.length };
    if (verdict.outcome !== "exceeded") continue;
    deps.metrics.contextChecks.inc({ model: job.model, outcome: "exceeded" });
    const size = verdict.tokens === undefined ? "is too long" : `has ${verdict.tokens} tokens`;
    throw run.refuse({ code: "context_length_exceeded", message: `input ${index} ${size}: this model's context is ${context} tokens` });
  }
}

export async function runEmbeddings(job: EmbeddingsJob, run: JobRun, deps: InferenceDeps): Promise<InferenceOutcome> {
  await checkInputs(job, run, deps);
  const end = new JobEnd(job, run, deps);
  const progress = new PromptProgress();

  try {
    const vectors = await dispatchEmbeddings(job, deps.embeddingsBatchSize, end.limits(), deps, run.log, progress);
    const body = JSON.stringify({
      object: "list",
      data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding })),
      model: job.model,
      usage: progress.usage(),
    });
    const key = embeddingsResultKey(deps.namespace, job.request_id);
    // An async job's result must outlive its retention; a synchronous one is read at once.
    await deps.redis.set(key, body, "PX", Math.max(RESULT_TTL_MS, (job.events_ttl_s ?? 0) * 1000));
    await end.succeed({ type: "embeddings", key, usage: progress.usage() }, progress.billed()!);
    run.log.info({ inputs: vectors.length, prompt_tokens: progress.tokens, ms: Date.now() - end.startedAt }, "embeddings job completed");
    return { embeddings: vectors.length };
  } catch (err) {
    // Batches that were answered used the backends: they are billed even though the request failed.
    return end.fail(err, () => Promise.resolve(progress.billed()));
  }
}
