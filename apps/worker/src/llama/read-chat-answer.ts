import { FinishReason } from "@gateway/contracts";
import { readLogprobs, readToolCallPieces, type OnPiece } from "./answer-piece.ts";
import type { StreamState } from "./read-chat-stream.ts";
import { UpstreamError } from "./upstream-error.ts";

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const count = (x: unknown): number | undefined => (typeof x === "number" && Number.isInteger(x) && x >= 0 ? x : undefined);

/**
 * A whole (non-stream) chat answer, told as the pieces a stream would have carried: reasoning,
 * the text (with its log-probabilities), then each tool call as its name and then its arguments,
 * so the job streams it to a client exactly as a streamed answer. This is how a build that cannot
 * stream tool calls (b4748) still answers a stream.
 */
export function readChatAnswer(json: unknown, state: StreamState, onPiece: OnPiece): StreamState {
  const choice = isRecord(json) && Array.isArray(json.choices) && isRecord(json.choices[0]) ? json.choices[0] : undefined;
  const message = choice && isRecord(choice.message) ? choice.message : undefined;
  if (!choice || !message) throw new UpstreamError("stream", "backend sent a malformed chat answer", { tokens: 0 });
  if (typeof message.reasoning_content === "string" && message.reasoning_content !== "")
    onPiece("", { reasoning: message.reasoning_content });
  const logprobs = readLogprobs(choice.logprobs);
  const text = typeof message.content === "string" ? message.content : "";
  if (text !== "" || logprobs) onPiece(text, logprobs ? { logprobs } : undefined);
  for (const call of readToolCallPieces(message.tool_calls) ?? []) {
    const { arguments: args = "", ...head } = call;
    onPiece("", { toolCalls: [head] });
    if (args !== "") onPiece("", { toolCalls: [{ index: call.index, arguments: args }] });
  }
  const finish = FinishReason.safeParse(choice.finish_reason);
  state.finishReason = finish.success ? finish.data : "stop";
  const usage = isRecord(json) && isRecord(json.usage) ? json.usage : {};
  const prompt = count(usage.prompt_tokens);
  const completion = count(usage.completion_tokens);
  if (prompt !== undefined && completion !== undefined) {
    state.usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
    state.tokens = completion;
  }
  return state;
}
