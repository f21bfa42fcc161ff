import { FinishReason, type Usage } from "@gateway/contracts";
import { readExtra, type OnPiece } from "./answer-piece.ts";
import { SseLineParser, type SseEvent } from "./sse-line-parser.ts";
import { UpstreamError } from "./upstream-error.ts";

export interface StreamState {
  /** Chunks with output received (text, a tool call's piece, reasoning); llama-server sends one token per chunk, so this counts tokens. */
  tokens: number;
  finishReason: FinishReason | null;
  usage: Usage | null;
}

export const newStreamState = (): StreamState => ({ tokens: 0, finishReason: null, usage: null });

interface UpstreamChunk {
  /** A chat chunk's `delta`, or a legacy completion chunk's `text`. */
  choices?: { delta?: { content?: unknown } & Record<string, unknown>; text?: unknown; logprobs?: unknown; finish_reason?: unknown }[];
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
}

/**
 * Reads a llama-server chat (or legacy completion) stream into `state`, handing each piece of
 * output to `onContent`: its text, and what else the chunk carried (tool calls, reasoning,
 * log-probabilities), which plain chat never has.
 * Usage may ride on the finish chunk (old builds) or come as its own `choices: []` chunk
 * (newer builds), so reading goes on to `[DONE]`. A stream that ends without a finish_reason, or
 * says `error:`, is a failure, never a clean short answer.
 */
export async function readChatStream(
  body: AsyncIterable<Uint8Array>,
  state: StreamState,
  onContent: OnPiece,
  onEvent: () => void = () => {},
): Promise<StreamState> {
  const parser = new SseLineParser();
  let done = false;
  const apply = (event: SseEvent) => {
    onEvent();
    if (done) return;
    if (event.kind === "done") done = true;
    else if (event.kind === "error") throw new UpstreamError("stream", event.message, { tokens: state.tokens, usage: state.usage });
    else applyChunk(event.json as UpstreamChunk, state, onContent);
  };
  // Reading on after [DONE] lets the response end cleanly so the keep-alive connection is reused.
  for await (const bytes of body) for (const event of parser.push(bytes)) apply(event);
  for (const event of parser.end()) apply(event);
  if (state.finishReason === null) {
    throw new UpstreamError("stream", "backend stream ended before a finish_reason", { tokens: state.tokens, usage: state.usage });
  }
  return state;
}

function applyChunk(chunk: UpstreamChunk, state: StreamState, onContent: OnPiece): void {
  const choice = chunk.choices?.[0];
  const delta = choice?.delta;
  const content = delta ? delta.content : choice?.text;
  const text = typeof content === "string" ? content : "";
  // Three property reads on the hot path: a plain token has none of these.
  const extra =
    delta?.tool_calls !== undefined || delta?.reasoning_content !== undefined || choice?.logprobs
      ? readExtra(delta, choice?.logprobs)
      : undefined;
  if (text.length > 0 || extra) {
    state.tokens += 1;
    if (extra) onContent(text, extra);
    else onContent(text);
  }
  if (choice?.finish_reason != null) {
    const parsed = FinishReason.safeParse(choice.finish_reason);
    state.finishReason = parsed.success ? parsed.data : "stop";
  }
  const usage = chunk.usage;
  if (usage && typeof usage.prompt_tokens === "number" && typeof usage.completion_tokens === "number") {
    state.usage = {
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      total_tokens: usage.prompt_tokens + usage.completion_tokens,
    };
  }
}
