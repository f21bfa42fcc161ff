import type { ChatCompletion, ChatCompletionChunk, FinishReason, ChatJob, Usage } from "@gateway/contracts";

/**
 * The body sent to llama-server: always streamed with usage requested (tokens are then counted
 * even when the request fails, and a cancel frees the slot), always with a bounded max_tokens
 * (llama-server treats a missing or mistyped one as "until the context is full").
 */
export function upstreamChatBody(job: ChatJob): Record<string, unknown> {
  const { messages, ...params } = job.params;
  const body: Record<string, unknown> = {
    model: job.model,
    messages: messages.map((m) => ({ role: m.role, content: m.content })),
    stream: true,
    stream_options: { include_usage: true },
  };
  for (const [key, value] of Object.entries(params)) if (value !== undefined) body[key] = value;
  return body;
}

/** What every chunk and the final completion of one request share. */
export interface CompletionIdentity {
  id: string;
  model: string;
  created: number;
}

export function completionIdentity(job: ChatJob, startedAtMs: number): CompletionIdentity {
  // The gateway's model id, not what llama-server echoes (that is whatever the request said).
  return { id: `chatcmpl-${job.request_id}`, model: job.model, created: Math.floor(startedAtMs / 1000) };
}

/** OpenAI sends the role on the first chunk; llama-server omits it and clients may rely on it. */
export function contentChunk(identity: CompletionIdentity, content: string, first: boolean): ChatCompletionChunk {
  return {
    ...identity,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta: first ? { role: "assistant", content } : { content }, finish_reason: null }],
  };
}

export function finishChunk(identity: CompletionIdentity, finishReason: FinishReason): ChatCompletionChunk {
  return { ...identity, object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: finishReason }] };
}

export function chatCompletion(identity: CompletionIdentity, content: string, finishReason: FinishReason, usage: Usage): ChatCompletion {
  return {
    ...identity,
    object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: finishReason }],
    usage,
  };
}
