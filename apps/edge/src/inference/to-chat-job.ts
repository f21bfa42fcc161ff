import {
  type ChatCompletionRequest,
  type ChatJob,
  type ChatMessage,
  type ChatParams,
  type GatewayConfig,
  type RequestMessage,
} from "@gateway/contracts";
import { modelIndex } from "../models/model-index.ts";
import { boundedMaxTokens, copyDefined, GENERATION_FIELDS, jobEnvelope, stopList, type JobContext } from "./job-envelope.ts";

/** Request fields that go to the job as they are (the worker translates them for llama-server). */
const PASSED_ON = [
  ...GENERATION_FIELDS,
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "response_format",
  "logprobs",
  "top_logprobs",
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

/** The job the worker runs, max_tokens always bounded. */
export function toChatJob(req: ChatCompletionRequest, config: GatewayConfig, ctx: JobContext): ChatJob {
  const model = modelIndex(config).get(req.model);
  const params: ChatParams = {
    messages: req.messages.map(jobMessage),
    max_tokens: boundedMaxTokens(req.max_completion_tokens ?? req.max_tokens, model, ctx),
  };
  copyDefined(req, PASSED_ON, params);
  const stop = stopList(req.stop);
  if (stop) params.stop = stop;
  return {
    // Aliases resolve here: workers, usage and prices know only canonical ids.
    ...jobEnvelope(ctx, model?.id ?? req.model),
    kind: "chat",
    params,
    stream: req.stream === true,
    ...(req.metadata !== undefined && { metadata: req.metadata }),
  };
}
