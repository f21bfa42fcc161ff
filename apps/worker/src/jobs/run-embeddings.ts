import { embeddingsResultKey, type EmbeddingsJob, type EmbeddingsUsage } from "@gateway/contracts";
import { BackendClock } from "../backends/backend-clock.ts";
import { promptFits } from "./context-guard.ts";
import { dispatchEmbeddings, type EmbeddingsProgress } from "./dispatch-embeddings.ts";
import type { InferenceDeps } from "./inference-deps.ts";
import type { InferenceOutcome, JobRun } from "./job-run.ts";
import { failJob } from "./fail-job.ts";
import { RETRY_AFTER_S } from "./to-client-failure.ts";

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
  const { metrics } = deps;
  if (!deps.pool.hasModel(job.model, "embeddings")) {
    throw run.refuse({
      code: "backend_unavailable",
      message: `no embeddings backends configured for model '${job.model}'`,
      retry_after: RETRY_AFTER_S,
    });
  }
  await checkInputs(job, run, deps);
  const startedAt = Date.now();
  const progress: EmbeddingsProgress = { tokens: 0, backend: undefined };
  const usage = (): EmbeddingsUsage => ({ prompt_tokens: progress.tokens, total_tokens: progress.tokens });

  const clock = new BackendClock();
  try {
    const limits = { signal: run.signal, deadlineAt: job.deadline_at, requestId: job.request_id, clock };
    const vectors = await dispatchEmbeddings(job, deps.embeddingsBatchSize, limits, deps, run.log, progress);
    const body = JSON.stringify({
      object: "list",
      data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding })),
      model: job.model,
      usage: usage(),
    });
    const key = embeddingsResultKey(deps.namespace, job.request_id);
    // An async job's result must outlive its retention; a synchronous one is read at once.
    await deps.redis.set(key, body, "PX", Math.max(RESULT_TTL_MS, (job.events_ttl_s ?? 0) * 1000));
    deps.publish(job, { type: "embeddings", request_id: job.request_id, key, usage: usage(), backend_ms: clock.ms() });
    metrics.results.inc({ model: job.model, outcome: "succeeded" });
    await deps.recordUsage(job, {
      outcome: "succeeded",
      usage: { ...usage(), completion_tokens: 0 },
      backend: progress.backend!,
      startedAt,
    });
    run.log.info({ inputs: vectors.length, prompt_tokens: progress.tokens, ms: Date.now() - startedAt }, "embeddings job completed");
    return { embeddings: vectors.length };
  } catch (err) {
    // Batches that were answered used the backends: they are billed even though the request failed.
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
