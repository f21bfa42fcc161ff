import { completionPrompts, type CompletionJob, type CompletionRequest, type GatewayConfig } from "@gateway/contracts";
import type { AdmitRequest } from "../limits/admission.ts";
import { modelIndex } from "../models/model-index.ts";
import { boundedMaxTokens, copyDefined, GENERATION_FIELDS, jobEnvelope, stopList, type JobContext } from "./job-envelope.ts";

const PASSED_ON = [...GENERATION_FIELDS, "echo"] as const satisfies readonly (keyof CompletionRequest & keyof CompletionJob["params"])[];

/** The job for a legacy completion: one prompt per choice, max_tokens always bounded as for chat. */
export function toCompletionJob(req: CompletionRequest, config: GatewayConfig, ctx: JobContext): CompletionJob {
  const model = modelIndex(config).get(req.model);
  const params: CompletionJob["params"] = {
    prompts: completionPrompts(req.prompt),
    max_tokens: boundedMaxTokens(req.max_tokens, model, ctx),
  };
  copyDefined(req, PASSED_ON, params);
  const stop = stopList(req.stop);
  if (stop) params.stop = stop;
  if (req.logprobs !== undefined && req.logprobs !== null) params.logprobs = req.logprobs;
  return { ...jobEnvelope(ctx, model?.id ?? req.model), kind: "completion", params, stream: req.stream === true };
}

/** BOS the server adds before a text prompt. */
const SPECIAL_TOKENS = 1;

/**
 * What admission reserves for a legacy completion: every prompt's upper bound (a byte per token
 * for text, token arrays exactly) and max_tokens for each of them, as each is its own generation.
 */
export function completionAdmitRequest(job: CompletionJob): AdmitRequest {
  const { prompts, max_tokens } = job.params;
  const upperBound = prompts.reduce((n, p) => n + (typeof p === "string" ? Buffer.byteLength(p, "utf8") + SPECIAL_TOKENS : p.length), 0);
  return { requestId: job.request_id, caller: job.caller, prompt: { upperBound }, maxTokens: max_tokens * prompts.length };
}
