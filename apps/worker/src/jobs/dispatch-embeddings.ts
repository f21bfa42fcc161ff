import type { EmbeddingEncoding, EmbeddingPrompt, EmbeddingsJob } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import { withFailover, type DispatchDeps, type DispatchLimits } from "../backends/with-failover.ts";
import { UpstreamError } from "../llama/upstream-error.ts";
import { CancelledAbort } from "./abort-reasons.ts";

export interface EmbeddingsProgress {
  /** Prompt tokens of the batches answered so far: what is billed, even if a later batch fails. */
  tokens: number;
  /** A backend that answered (for the usage event). */
  backend: string | undefined;
}

/** One vector in the encoding the client asked for; backends may answer in the other one. */
export function encodeEmbedding(vector: number[] | string, format: EmbeddingEncoding): number[] | string {
  if (format === "float") {
    if (Array.isArray(vector)) return vector;
    const bytes = Buffer.from(vector, "base64");
    return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
  }
  if (typeof vector === "string") return vector;
  const floats = Float32Array.from(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString("base64");
}

/** Tokens a batch used when the backend did not say: exact for token arrays, chars/4 for text. */
const estimateTokens = (batch: readonly EmbeddingPrompt[]) =>
  batch.reduce((n, p) => n + (typeof p === "string" ? Math.ceil(p.length / 4) : p.length), 0);

/**
 * Embeds a job's prompts on the model's embeddings pool: split into batches that run at once,
 * each on the least-loaded backend with a free slot, each failed-over on its own (an embeddings
 * answer comes whole, so any failure is invisible to the client and retryable). When one batch
 * finally fails, the others are aborted. Vectors come back in input order, in the client's encoding.
 */
export async function dispatchEmbeddings(
  job: EmbeddingsJob,
  batchSize: number,
  limits: DispatchLimits,
  deps: DispatchDeps,
  log: Logger,
  progress: EmbeddingsProgress,
): Promise<(number[] | string)[]> {
  const out: (number[] | string)[] = new Array(job.prompts.length);
  const siblings = new AbortController();
  const onAbort = () => siblings.abort(limits.signal.reason);
  limits.signal.addEventListener("abort", onAbort, { once: true });
  const batchLimits = { ...limits, signal: siblings.signal };
  const batches: { offset: number; prompts: EmbeddingPrompt[] }[] = [];
  for (let offset = 0; offset < job.prompts.length; offset += batchSize)
    batches.push({ offset, prompts: job.prompts.slice(offset, offset + batchSize) });
  try {
    await Promise.all(
      batches.map(async ({ offset, prompts }) => {
        const vectors = await embedBatch(job, prompts, batchLimits, deps, log, progress).catch((err: unknown) => {
          siblings.abort(new CancelledAbort("another batch of the request failed"));
          throw err;
        });
        vectors.forEach((v, i) => (out[offset + i] = encodeEmbedding(v, job.encoding_format)));
      }),
    );
    return out;
  } finally {
    limits.signal.removeEventListener("abort", onAbort);
  }
}

async function embedBatch(
  job: EmbeddingsJob,
  prompts: EmbeddingPrompt[],
  limits: DispatchLimits,
  deps: DispatchDeps,
  log: Logger,
  progress: EmbeddingsProgress,
): Promise<(number[] | string)[]> {
  const model = job.model;
  const body = { model, input: prompts, encoding_format: job.encoding_format };
  return withFailover(
    {
      model,
      capability: "embeddings",
      call: async (backend) => {
        const answer = await deps.client.embeddings(backend, body, limits.signal);
        if (answer.embeddings.length !== prompts.length) {
          throw new UpstreamError("stream", `backend answered ${answer.embeddings.length} embeddings for ${prompts.length} inputs`, {
            tokens: 0,
          });
        }
        progress.tokens += answer.promptTokens ?? estimateTokens(prompts);
        progress.backend ??= backend;
        return answer.embeddings;
      },
    },
    limits,
    deps,
    log,
  );
}
