import {
  LLAMA_SAMPLING_FIELDS,
  type Caller,
  type ChatCompletionRequest,
  type ChatJob,
  type ChatMessage,
  type ChatParams,
  type GatewayConfig,
  type RequestMessage,
} from "@gateway/contracts";
import type { RequestIds } from "../http/request-ids.ts";
import { modelIndex } from "../models/model-index.ts";

export interface JobContext extends RequestIds {
  caller: Caller;
  replyTo: string;
  now: number;
  timeoutMs: number;
  /** The caller's tier's max_tokens: a request that names none gets the smaller of this and the model's. */
  maxTokensCap?: number | undefined;
}

/** Request fields that go to the job as they are (the worker translates them for llama-server). */
const PASSED_ON = [
  "temperature",
  "top_p",
  "presence_penalty",
  "frequency_penalty",
  "seed",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "response_format",
  "json_schema",
  "grammar",
  "logprobs",
  "top_logprobs",
  "logit_bias",
  ...LLAMA_SAMPLING_FIELDS,
] as const satisfies readonly (keyof ChatCompletionRequest & keyof ChatParams)[];

/** A message as the job carries it: content as sent (parts included), the refusal OpenAI echoes back left out (no template renders it). */
function jobMessage(m: RequestMessage): ChatMessage {
  const message: ChatMessage = { role: m.role, content: m.content ?? null };
  if ("name" in m && m.name !== undefined) message.name = m.name;
  if (m.role === "assistant") {
    if (m.tool_calls) message.tool_calls = m.tool_calls;
    if (m.reasoning_content !== undefined) message.reasoning_content = m.reasoning_content;
  }
  if (m.role === "tool") message.tool_call_id = m.tool_call_id;
  return message;
}

/** The job the worker runs: max_tokens always bounded (llama-server treats a missing one as "until the context ends"). */
export function toChatJob(req: ChatCompletionRequest, config: GatewayConfig, ctx: JobContext): ChatJob {
  const model = modelIndex(config).get(req.model);
  const maxTokens = req.max_completion_tokens ?? req.max_tokens ?? Math.min(model?.max_output_tokens ?? 1, ctx.maxTokensCap ?? Infinity);
  const params: ChatParams = { messages: req.messages.map(jobMessage), max_tokens: maxTokens };
  for (const field of PASSED_ON) if (req[field] !== undefined) (params as Record<string, unknown>)[field] = req[field];
  if (req.stop !== undefined) params.stop = typeof req.stop === "string" ? [req.stop] : req.stop;
  return {
    v: 1,
    kind: "chat",
    request_id: ctx.requestId,
    // Aliases resolve here: workers, usage and prices know only canonical ids.
    model: model?.id ?? req.model,
    caller: ctx.caller,
    params,
    stream: req.stream === true,
    reply_to: ctx.replyTo,
    accepted_at: ctx.now,
    deadline_at: ctx.now + ctx.timeoutMs,
    ...(ctx.clientRequestId !== undefined && { client_request_id: ctx.clientRequestId }),
    ...(req.metadata !== undefined && { metadata: req.metadata }),
  };
}
