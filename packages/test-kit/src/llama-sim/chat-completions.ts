import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { outputPieces, planChatOutput, saidCalls, type ChatOutput } from "./chat-output.ts";
import { parseChatRequest } from "./chat-request.ts";
import { SSE_HEADERS, streamReply, usageOf, type ChatReply } from "./chat-stream.ts";
import { Generation } from "./generation.ts";
import { sendError, sendJson } from "./llama-response.ts";
import { completionText } from "./sim-completion.ts";
import type { SimContext } from "./sim-context.ts";
import { answerFailure, takeCut, takeHang } from "./sim-faults.ts";
import { logprobsOf } from "./sim-logprobs.ts";
import { simPromptTokens } from "./sim-tokenize.ts";

const noop = (): void => {};

export function handleChatCompletions(ctx: SimContext, res: ServerResponse, raw: string): void {
  if (ctx.config.embeddingsOnly) {
    sendError(res, 501, "This server does not support completions. Start it without `--embeddings`");
    return;
  }
  ctx.stats.generations++;
  const chat = parseChatRequest(raw, ctx.config);
  if (answerFailure(ctx, res)) return;
  const promptTokens = simPromptTokens(chat.messages, ctx.config.nCtx, chat.toolsJson);
  const reply: ChatReply = {
    chat,
    output: planChatOutput(chat, promptTokens, ctx.config),
    promptTokens,
    id: `chatcmpl-${randomUUID().replaceAll("-", "")}`,
    created: Math.floor(Date.now() / 1000),
  };
  const hang = takeHang(ctx);
  const cut = chat.stream && !hang ? takeCut(ctx) : undefined;
  // Like the real server, a stream's headers go out before its slot is free.
  if (chat.stream && !hang) res.writeHead(200, SSE_HEADERS);
  const generation = new Generation(ctx, res, "/v1/chat/completions", chat.maxTokens, (g, slot) => {
    slot.nPredict = chat.maxTokens ?? -1;
    slot.stream = chat.stream;
    g.promptTokens = promptTokens;
    if (hang) return;
    if (chat.stream) streamReply(reply, g, ctx.config.usageMode === "final-chunk", cut);
    else jsonReply(reply, g);
  });
  if (chat.stream && !hang && !generation.isEnded && !res.headersSent) res.flushHeaders();
}

/**
 * The message: tool calls come with `content: null`; a tool call cut by max_tokens stays a partial
 * call on newer builds, while build b4748 then gives up parsing and returns the raw text.
 */
function messageOf(output: ChatOutput) {
  if (output.kind === "story") return { role: "assistant", content: completionText(output.plan) };
  if (output.kind === "text") return { role: "assistant", content: output.pieces.slice(0, output.count).join("") };
  if (output.raw !== undefined && output.finishReason === "length") {
    return { role: "assistant", content: output.raw.slice(0, output.count).join("") };
  }
  const said = saidCalls(output.calls, output.count);
  if (said.length === 0) return { role: "assistant", content: "" };
  const calls = said.map((c) => ({ type: "function", function: { name: c.name, arguments: c.arguments }, id: c.id }));
  return { role: "assistant", content: null, tool_calls: calls };
}

function jsonReply(reply: ChatReply, g: Generation): void {
  const { output, chat } = reply;
  g.produce(output.count, noop, noop, () => {
    const choice: Record<string, unknown> = { finish_reason: output.finishReason, index: 0, message: messageOf(output) };
    if (chat.nProbs > 0) choice.logprobs = logprobsOf(outputPieces(output).slice(0, output.count), chat);
    const body = JSON.stringify({
      choices: [choice],
      created: reply.created,
      model: chat.model,
      system_fingerprint: g.ctx.config.buildInfo,
      object: "chat.completion",
      usage: usageOf(reply, g),
      id: reply.id,
      timings: g.timings(reply.promptTokens),
    });
    sendJson(g.res, 200, body);
    g.end("completed");
  });
}
