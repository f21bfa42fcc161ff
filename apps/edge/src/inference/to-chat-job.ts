import type { Caller, ChatCompletionRequest, ChatMessage, GatewayConfig, ChatJob } from "@gateway/contracts";
import type { RequestIds } from "../http/request-ids.ts";
import { modelIndex } from "../models/model-index.ts";

const text = (content: ChatCompletionRequest["messages"][number]["content"]) =>
  typeof content === "string" ? content : content.map((part) => part.text).join("");

export interface JobContext extends RequestIds {
  caller: Caller;
  replyTo: string;
  now: number;
  timeoutMs: number;
  /** The caller's tier's max_tokens: a request that names none gets the smaller of this and the model's. */
  maxTokensCap?: number | undefined;
}

/**
 * The job the worker runs: content parts flattened to text (llama-server answers 500 to parts)
 * and max_tokens always bounded (llama-server treats a missing one as "until the context ends").
 */
export function toChatJob(req: ChatCompletionRequest, config: GatewayConfig, ctx: JobContext): ChatJob {
  const model = modelIndex(config).get(req.model);
  const maxTokens = req.max_completion_tokens ?? req.max_tokens ?? Math.min(model?.max_output_tokens ?? 1, ctx.maxTokensCap ?? Infinity);
  const messages: ChatMessage[] = req.messages.map((m) =>
    m.name ? { role: m.role, content: text(m.content), name: m.name } : { role: m.role, content: text(m.content) },
  );
  return {
    v: 1,
    kind: "chat",
    request_id: ctx.requestId,
    // Aliases resolve here: workers, usage and prices know only canonical ids.
    model: model?.id ?? req.model,
    caller: ctx.caller,
    params: {
      messages,
      max_tokens: maxTokens,
      ...(req.temperature !== undefined && { temperature: req.temperature }),
      ...(req.top_p !== undefined && { top_p: req.top_p }),
      ...(req.presence_penalty !== undefined && { presence_penalty: req.presence_penalty }),
      ...(req.frequency_penalty !== undefined && { frequency_penalty: req.frequency_penalty }),
      ...(req.seed !== undefined && { seed: req.seed }),
      ...(req.stop !== undefined && { stop: typeof req.stop === "string" ? [req.stop] : req.stop }),
    },
    stream: req.stream === true,
    reply_to: ctx.replyTo,
    accepted_at: ctx.now,
    deadline_at: ctx.now + ctx.timeoutMs,
    ...(ctx.clientRequestId !== undefined && { client_request_id: ctx.clientRequestId }),
  };
}
