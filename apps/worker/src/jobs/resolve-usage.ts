import { promptText, type ChatParams, type Usage } from "@gateway/contracts";
import type { LlamaClient } from "../llama/llama-client.ts";
import type { StreamState } from "../llama/read-chat-stream.ts";

/**
 * The usage of a stream: llama-server's own figures when they arrived. When the stream was cut
 * or cancelled first, completion tokens are the chunks with output received (one token per chunk),
 * and prompt tokens come from the backend's /tokenize, which knows the model's vocabulary; it
 * gets ~200 ms because a backend that just failed may not answer at all, and billing must not
 * wait on it. Then chars/4, OpenAI's rule of thumb for English. Both miss the chat template's
 * few tokens: they undercount slightly, never overcharge.
 */
export async function resolveUsage(
  state: StreamState,
  prompt: Pick<ChatParams, "messages" | "tools"> | string,
  backend: string,
  client: Pick<LlamaClient, "tokenize">,
): Promise<Usage> {
  if (state.usage) return state.usage;
  const text = typeof prompt === "string" ? prompt : promptText(prompt);
  const tokens = (await client.tokenize(backend, text)) ?? Math.ceil(text.length / 4);
  return { prompt_tokens: tokens, completion_tokens: state.tokens, total_tokens: tokens + state.tokens };
}
