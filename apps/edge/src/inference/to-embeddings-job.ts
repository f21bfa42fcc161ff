import { embeddingPrompts, type EmbeddingsJob, type EmbeddingsRequest } from "@gateway/contracts";
import { jobEnvelope, type JobContext } from "./job-envelope.ts";
import type { AdmitRequest } from "../limits/admission.ts";

export function toEmbeddingsJob(req: EmbeddingsRequest, ctx: JobContext, model: string): EmbeddingsJob {
  return {
    ...jobEnvelope(ctx, model),
    kind: "embeddings",
    prompts: embeddingPrompts(req.input),
    encoding_format: req.encoding_format ?? "float",
    ...(req.dimensions !== undefined && { dimensions: req.dimensions }),
  };
}

/** BOS and EOS the server adds around each text input. */
const SPECIAL_TOKENS = 2;

/**
 * What admission reserves for an embeddings job: an upper bound on its tokens (one per UTF-8
 * byte, as for chat prompts; token arrays count exactly) and nothing to generate.
 */
export function embeddingsAdmitRequest(job: EmbeddingsJob): AdmitRequest {
  const upperBound = job.prompts.reduce(
    (n, p) => n + (typeof p === "string" ? Buffer.byteLength(p, "utf8") + SPECIAL_TOKENS : p.length),
    0,
  );
  return { requestId: job.request_id, caller: job.caller, prompt: { upperBound }, maxTokens: 0 };
}
