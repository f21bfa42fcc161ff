import {
  completionPrompts,
  LLAMA_SAMPLING_FIELDS,
  type CompletionJob,
  type CompletionRequest,
  type GatewayConfig,
} from "@gateway/contracts";
import type { AdmitRequest } from "../limits/admission.ts";
import { modelIndex } from "../models/model-index.ts";
import type { JobContext } from "./to-chat-job.ts";

const PASSED_ON = [
  "temperature",
  "top_p",
  "presence_penalty",
  "frequency_penalty",
  "seed",
  "echo",
  "logit_bias",
  "json_schema",
  "grammar",
  ...LLAMA_SAMPLING_FIELDS,
] as const satisfies readonly (keyof CompletionRequest & keyof CompletionJob["params"])[];

/** The job for a legacy completion: one prompt per choice, max_tokens always bounded as for chat. */
export function toCompletionJob(req: CompletionRequest, config: GatewayConfig, ctx: JobContext): CompletionJob {
  const model = modelIndex(config).get(req.model);
  const maxTokens = req.max_tokens ?? Math.min(model?.max_output_tokens ?? 1, ctx.maxTokensCap ?? Infinity);
  const params: CompletionJob["params"] = { prompts: completionPrompts(req.prompt), max_tokens: maxTokens };
  for (const field of PASSED_ON) if (req[field] !== undefined) (params as Record<string, unknown>)[field] = req[field];
  if (req.stop !== undefined) params.stop = typeof req.stop === "string" ? [req.stop] : req.stop;
  if (req.logprobs !== undefined && req.logprobs !== null) params.logprobs = req.logprobs;
  return {
    v: 1,
    kind: "completion",
    request_id: ctx.requestId,
    model: model?.id ?? req.model,
    caller: ctx.caller,
    params,
    stream: req.stream === true,
    reply_to: ctx.replyTo,
    accepted_at: ctx.now,
    deadline_at: ctx.now + ctx.timeoutMs,
    ...(ctx.clientRequestId !== undefined && { client_request_id: ctx.clientRequestId }),
  };
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
