import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { parseChatRequest, type ChatRequest } from "./chat-request.ts";
import { Generation } from "./generation.ts";
import { sendError, sendJson } from "./llama-response.ts";
import { completionText, lastUserText, planCompletion, STORY_TOKENS_JSON, type CompletionPlan } from "./sim-completion.ts";
import type { SimContext } from "./sim-context.ts";
import { takeCut, takeFailure, takeHang } from "./sim-faults.ts";
import { simPromptTokens } from "./sim-tokenize.ts";

const SYSTEM_FINGERPRINT = "b0-unknown";
const DONE = "data: [DONE]\n\n";
/** The one error llama-server emits mid-stream in practice; a `data:`-only parser never sees it. */
const ERROR_LINE = 'error: {"code":500,"message":"context shift is disabled","type":"server_error"}\n\n';
const CHUNK_HEAD = 'data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":';
const SSE_HEADERS = { "Content-Type": "text/event-stream", Server: "llama.cpp" };
const noop = (): void => {};

interface Reply {
  ctx: SimContext;
  chat: ChatRequest;
  plan: CompletionPlan;
  promptTokens: number;
  id: string;
  created: number;
}

export function handleChatCompletions(ctx: SimContext, res: ServerResponse, raw: string): void {
  if (ctx.config.embeddingsOnly) {
    sendError(res, 501, "This server does not support completions. Start it without `--embeddings`");
    return;
  }
  ctx.stats.generations++;
  const chat = parseChatRequest(raw);
  const failure = takeFailure(ctx);
  if (failure !== 0) {
    ctx.stats.faulted++;
    sendError(res, failure, "simulated failure");
    return;
  }
  const { nCtx, naturalTokens } = ctx.config;
  const promptTokens = simPromptTokens(chat.messages, nCtx);
  const reply: Reply = {
    ctx,
    chat,
    plan: planCompletion(lastUserText(chat.messages), promptTokens, chat.maxTokens ?? undefined, chat.seed, naturalTokens, nCtx),
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
    ctx.totals.promptTokens += promptTokens;
    if (hang) return;
    if (chat.stream) streamReply(reply, g, cut);
    else jsonReply(reply, g);
  });
  if (chat.stream && !hang && !generation.isEnded && !res.headersSent) res.flushHeaders();
}

function usage(reply: Reply, g: Generation) {
  return { completion_tokens: g.tokens, prompt_tokens: reply.promptTokens, total_tokens: reply.promptTokens + g.tokens };
}

function jsonReply(reply: Reply, g: Generation): void {
  const { plan, chat } = reply;
  g.produce(plan.count, noop, noop, () => {
    const body = JSON.stringify({
      choices: [{ finish_reason: plan.finishReason, index: 0, message: { role: "assistant", content: completionText(plan) } }],
      created: reply.created,
      model: chat.model,
      system_fingerprint: SYSTEM_FINGERPRINT,
      object: "chat.completion",
      usage: usage(reply, g),
      id: reply.id,
      timings: g.timings(reply.promptTokens),
    });
    sendJson(g.res, 200, body);
    g.end("completed");
  });
}

function streamReply(reply: Reply, g: Generation, cut: { after: number; mode: "error-line" | "close" } | undefined): void {
  const { plan, chat, ctx } = reply;
  const res = g.res;
  const tail = `}}],"created":${reply.created},"id":"${reply.id}","model":${JSON.stringify(chat.model)},"object":"chat.completion.chunk"}\n\n`;
  const cuts = cut !== undefined && cut.after < plan.count;
  const count = cuts ? cut.after : plan.count;
  let pending = "";
  g.produce(
    count,
    (i) => {
      pending += CHUNK_HEAD + STORY_TOKENS_JSON[(plan.offset + i) % STORY_TOKENS_JSON.length] + tail;
    },
    () => {
      // The last batch rides with the closing events in one write.
      if (g.tokens === count) return;
      res.write(pending);
      pending = "";
    },
    () => {
      if (!cuts) {
        res.end(pending + finalEvents(reply, g, ctx.config.usageMode === "final-chunk"));
        g.end("completed");
      } else if (cut.mode === "error-line") {
        res.end(pending + ERROR_LINE + DONE);
        g.end("faulted");
      } else {
        g.end("faulted");
        if (pending === "") res.destroy();
        else res.write(pending, () => res.destroy());
      }
    },
  );
}

/**
 * Build b4747 puts usage on the finish_reason chunk, always; newer builds send it only when asked
 * (stream_options.include_usage), as its own chunk with `choices: []`. Timings ride on the last one.
 */
function finalEvents(reply: Reply, g: Generation, usageOnFinish: boolean): string {
  const { chat, plan, id, created } = reply;
  const choices = [{ finish_reason: plan.finishReason, index: 0, delta: {} }];
  const timings = g.timings(reply.promptTokens);
  if (usageOnFinish) {
    const last = { choices, created, id, model: chat.model, object: "chat.completion.chunk", usage: usage(reply, g), timings };
    return `data: ${JSON.stringify(last)}\n\n${DONE}`;
  }
  const base = { created, id, model: chat.model, system_fingerprint: SYSTEM_FINGERPRINT, object: "chat.completion.chunk" };
  if (!chat.includeUsage) return `data: ${JSON.stringify({ choices, ...base, timings })}\n\n${DONE}`;
  const finish = `data: ${JSON.stringify({ choices, ...base })}\n\n`;
  return `${finish}data: ${JSON.stringify({ choices: [], ...base, usage: usage(reply, g), timings })}\n\n${DONE}`;
}
