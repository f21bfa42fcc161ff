import { embeddingPrompts, type Caller, type EmbeddingsJob, type EmbeddingsRequest } from "@gateway/contracts";
import type { RequestIds } from "../http/request-ids.ts";
import type { AdmitRequest } from "../limits/admission.ts";

export interface EmbeddingsJobContext extends RequestIds {
  caller: Caller;
  /** The canonical id of the requested model (an alias resolved). */
  model: string;
  replyTo: string;
  now: number;
  timeoutMs: number;
}

export function toEmbeddingsJob(req: EmbeddingsRequest, ctx: EmbeddingsJobContext): EmbeddingsJob {
  return {
    v: 1,
    kind: "embeddings",
    request_id: ctx.requestId,
    model: ctx.model,
    caller: ctx.caller,
    prompts: embeddingPrompts(req.input),
    encoding_format: req.encoding_format ?? "float",
    ...(req.dimensions !== undefined && { dimensions: req.dimensions }),
    reply_to: ctx.replyTo,
    accepted_at: ctx.now,
    deadline_at: ctx.now + ctx.timeoutMs,
    ...(ctx.clientRequestId !== undefined && { client_request_id: ctx.clientRequestId }),
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
