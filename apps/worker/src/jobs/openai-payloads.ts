import type {
  AssistantMessage,
  ChatCompletion,
  ChatCompletionChunk,
  ChatDelta,
  ChatJob,
  ChoiceLogprobs,
  FinishReason,
  TokenLogprob,
  Usage,
} from "@gateway/contracts";

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

/** A chunk with more than text (tool calls, reasoning, log-probabilities): built only when a backend sends those. */
export function deltaChunk(
  identity: CompletionIdentity,
  delta: ChatDelta,
  logprobs: TokenLogprob[] | undefined,
  first: boolean,
): ChatCompletionChunk {
  const choice: ChatCompletionChunk["choices"][number] = {
    index: 0,
    delta: first ? { role: "assistant", ...delta } : delta,
    finish_reason: null,
  };
  if (logprobs) choice.logprobs = { content: logprobs };
  return { ...identity, object: "chat.completion.chunk", choices: [choice] };
}

export function finishChunk(identity: CompletionIdentity, finishReason: FinishReason): ChatCompletionChunk {
  return { ...identity, object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: finishReason }] };
}

export function chatCompletion(
  identity: CompletionIdentity,
  message: AssistantMessage,
  finishReason: FinishReason,
  usage: Usage,
  logprobs?: ChoiceLogprobs,
): ChatCompletion {
  const choice: ChatCompletion["choices"][number] = { index: 0, message, finish_reason: finishReason };
  if (logprobs) choice.logprobs = logprobs;
  return { ...identity, object: "chat.completion", choices: [choice], usage };
}
