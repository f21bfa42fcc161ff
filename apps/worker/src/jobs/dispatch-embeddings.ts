import type { EmbeddingEncoding, EmbeddingPrompt, EmbeddingsJob } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import { withFailover, type DispatchDeps, type DispatchLimits } from "../backends/with-failover.ts";
import { UpstreamError } from "../llama/upstream-error.ts";
import { dispatchBatches } from "./dispatch-batches.ts";
import type { PromptProgress } from "./prompt-progress.ts";

/** One vector in the encoding the client asked for; backends may answer in the other one. */
export function encodeEmbedding(vector: number[] | string, format: EmbeddingEncoding): number[] | string {
  if (format === "float") return floatsOf(vector);
  if (typeof vector === "string") return vector;
  const floats = Float32Array.from(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString("base64");
}

/** The backend's vector (either encoding) as floats. */
function floatsOf(vector: number[] | string): number[] {
  if (Array.isArray(vector)) return vector;
  const bytes = Buffer.from(vector, "base64");
  return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
}

/**
 * A vector cut to its first `dimensions` and scaled back to unit length, as Matryoshka-trained
 * models are meant to be shortened (llama-server ignores `dimensions`; a newer build that does
 * cut them gives a vector this leaves as it is).
 */
export function shortened(vector: number[] | string, dimensions: number): number[] | string {
  const floats = floatsOf(vector);
  if (floats.length <= dimensions) return vector;
  const cut = floats.slice(0, dimensions);
  const norm = Math.hypot(...cut);
  return norm > 0 ? cut.map((x) => x / norm) : cut;
}

/** Tokens a batch used when the backend did not say: exact for token arrays, chars/4 for text. */
const estimateTokens = (batch: readonly EmbeddingPrompt[]) =>
  batch.reduce((n, p) => n + (typeof p === "string" ? Math.ceil(p.length / 4) : p.length), 0);

/**
 * Embeds a job's prompts on the model's embeddings pool: split into batches that run at once,
 * each on the least-loaded backend with a free slot, each failed-over on its own (an embeddings
 * answer comes whole, so any failure is invisible to the client and retryable). When one batch
 * finally fails, the others are aborted. Vectors come back in input order, in the client's
 * encoding, shortened to the job's dimensions if it asks.
 */
export async function dispatchEmbeddings(
  job: EmbeddingsJob,
  batchSize: number,
  limits: DispatchLimits,
  deps: DispatchDeps,
  log: Logger,
  progress: PromptProgress,
): Promise<(number[] | string)[]> {
  return dispatchBatches(job.prompts, batchSize, limits, async (prompts, _offset, batchLimits) => {
    const vectors = await embedBatch(job, prompts, batchLimits, deps, log, progress);
    return vectors.map((v) => encodeEmbedding(job.dimensions ? shortened(v, job.dimensions) : v, job.encoding_format));
  });
}

async function embedBatch(
  job: EmbeddingsJob,
  prompts: EmbeddingPrompt[],
  limits: DispatchLimits,
  deps: DispatchDeps,
  log: Logger,
  progress: PromptProgress,
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
        progress.answered(answer.promptTokens ?? estimateTokens(prompts), backend);
        return answer.embeddings;
      },
    },
    limits,
    deps,
    log,
  );
}
