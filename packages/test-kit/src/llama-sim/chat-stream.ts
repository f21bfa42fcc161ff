import type { ChatOutput } from "./chat-output.ts";
import { callTokens } from "./chat-output.ts";
import type { ChatRequest } from "./chat-request.ts";
import type { Generation } from "./generation.ts";
import { STORY_TOKENS_JSON } from "./sim-completion.ts";
import { probsEntry } from "./sim-logprobs.ts";

export const DONE = "data: [DONE]\n\n";
/** The one error llama-server emits mid-stream in practice; a `data:`-only parser never sees it. */
export const ERROR_LINE = 'error: {"code":500,"message":"context shift is disabled","type":"server_error"}\n\n';
export const SSE_HEADERS = { "Content-Type": "text/event-stream", Server: "llama.cpp" };
const DELTA_HEAD = 'data: {"choices":[{"finish_reason":null,"index":0,"delta":';
const CHUNK_HEAD = `${DELTA_HEAD}{"content":`;

export interface ChatReply {
  chat: ChatRequest;
  output: ChatOutput;
  promptTokens: number;
  id: string;
  created: number;
}

export interface StreamCut {
  after: number;
  mode: "error-line" | "close";
}

export function usageOf(reply: ChatReply, g: Generation) {
  return { completion_tokens: g.tokens, prompt_tokens: reply.promptTokens, total_tokens: reply.promptTokens + g.tokens };
}

/**
 * The event for each token: a content delta, with its logprobs when asked, or, for tool calls,
 * OpenAI's incremental `delta.tool_calls` (a call's first token also sends its index, id, type,
 * name and empty arguments; every token then sends only the index and its piece of arguments).
 * `tail` closes the delta and carries the chunk's fixed fields.
 */
function chunkWriter(reply: ChatReply, tail: string): (i: number) => string {
  const { output, chat } = reply;
  if (output.kind === "story") {
    const offset = output.plan.offset;
    return (i) => CHUNK_HEAD + STORY_TOKENS_JSON[(offset + i) % STORY_TOKENS_JSON.length] + tail;
  }
  const close = tail.slice(1);
  if (output.kind === "text") {
    return (i) => {
      const piece = output.pieces[i] ?? "";
      // A token a stop string emptied sends no event.
      if (piece === "") return "";
      if (chat.nProbs === 0) return CHUNK_HEAD + JSON.stringify(piece) + tail;
      const logprobs = JSON.stringify({ content: [probsEntry(piece, i, chat)] });
      return `${CHUNK_HEAD}${JSON.stringify(piece)}},"logprobs":${logprobs}${close}`;
    };
  }
  const positions = [...callTokens(output.calls, output.count)];
  return (i) => {
    const { call: index, piece } = positions[i] ?? { call: 0, piece: 0 };
    const call = output.calls[index];
    const args = { tool_calls: [{ index, function: { arguments: call?.pieces[piece] ?? "" } }] };
    const event = DELTA_HEAD + JSON.stringify(args) + close;
    if (piece !== 0 || call === undefined) return event;
    const header = { tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }] };
    return DELTA_HEAD + JSON.stringify(header) + close + event;
  };
}

/** Streams the reply token by token with the configured pacing; `cut` is a pending cutStreamAfter fault. */
export function streamReply(reply: ChatReply, g: Generation, usageOnFinish: boolean, cut: StreamCut | undefined): void {
  const { output, chat } = reply;
  const res = g.res;
  // b4748 also puts system_fingerprint on each token's chunk; left out, so the hot path sends no more bytes than it did.
  const tail = `}}],"created":${reply.created},"id":"${reply.id}","model":${JSON.stringify(chat.model)},"object":"chat.completion.chunk"}\n\n`;
  const chunk = chunkWriter(reply, tail);
  const cuts = cut !== undefined && cut.after < output.count;
  const count = cuts ? cut.after : output.count;
  let pending = "";
  g.produce(
    count,
    (i) => {
      pending += chunk(i);
    },
    () => {
      // The last batch rides with the closing events in one write.
      if (g.tokens === count) return;
      res.write(pending);
      pending = "";
    },
    () => endStream(g, pending, cuts ? cut : undefined, () => finalEvents(reply, g, usageOnFinish), DONE),
  );
}

/**
 * Ends a stream after its tokens: with its closing events, or as the pending cutStreamAfter fault
 * says, with llama-server's `error:` line then `done`, or a dropped socket.
 */
export function endStream(g: Generation, pending: string, cut: StreamCut | undefined, closing: () => string, done: string): void {
  const res = g.res;
  if (cut === undefined) {
    res.end(pending + closing());
    g.end("completed");
  } else if (cut.mode === "error-line") {
    res.end(pending + ERROR_LINE + done);
    g.end("faulted");
  } else {
    g.end("faulted");
    if (pending === "") res.destroy();
    else res.write(pending, () => res.destroy());
  }
}

/**
 * Build b4747 puts usage on the finish_reason chunk, always; newer builds send it only when asked
 * (stream_options.include_usage), as its own chunk with `choices: []`. Timings ride on the last one.
 */
function finalEvents(reply: ChatReply, g: Generation, usageOnFinish: boolean): string {
  const { chat, output, id, created } = reply;
  const choices = [{ finish_reason: output.finishReason, index: 0, delta: {} }];
  const timings = g.timings(reply.promptTokens);
  const base = { created, id, model: chat.model, system_fingerprint: g.ctx.config.buildInfo, object: "chat.completion.chunk" };
  if (usageOnFinish) return `data: ${JSON.stringify({ choices, ...base, usage: usageOf(reply, g), timings })}\n\n${DONE}`;
  if (!chat.includeUsage) return `data: ${JSON.stringify({ choices, ...base, timings })}\n\n${DONE}`;
  const finish = `data: ${JSON.stringify({ choices, ...base })}\n\n`;
  return `${finish}data: ${JSON.stringify({ choices: [], ...base, usage: usageOf(reply, g), timings })}\n\n${DONE}`;
}
