import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { outputPieces, planTextOutput, type TextOutput } from "./chat-output.ts";
import { DONE, endStream, SSE_HEADERS, type StreamCut } from "./chat-stream.ts";
import { parseCompletionRequest, type CompletionPrompt, type CompletionRequest } from "./completion-request.ts";
import { Generation } from "./generation.ts";
import { sendError, sendJson } from "./llama-response.ts";
import type { SimContext } from "./sim-context.ts";
import { answerFailure, takeCut, takeHang } from "./sim-faults.ts";
import { logprobsOf, probsEntry } from "./sim-logprobs.ts";

/** One prompt's generation; a request with several prompts runs them side by side, as llama-server runs one task each. */
interface Task {
  index: number;
  prompt: CompletionPrompt;
  output: TextOutput;
  pieces: readonly string[];
}

interface Reply {
  req: CompletionRequest;
  buildInfo: string;
  tasks: Task[];
  id: string;
  created: number;
}

/** `POST /v1/completions`: OpenAI's legacy text completion, as llama-server shapes it. */
export function handleCompletions(ctx: SimContext, res: ServerResponse, raw: string): void {
  handle(ctx, res, raw, false);
}

/** `POST /completion` and `/completions`: llama-server's own format (`content`, `tokens_predicted`, no `[DONE]`). */
export function handleNativeCompletion(ctx: SimContext, res: ServerResponse, raw: string): void {
  handle(ctx, res, raw, true);
}

function handle(ctx: SimContext, res: ServerResponse, raw: string, native: boolean): void {
  if (ctx.config.embeddingsOnly) {
    sendError(res, 501, "This server does not support completions. Start it without `--embeddings`");
    return;
  }
  ctx.stats.generations++;
  const req = parseCompletionRequest(raw, native, ctx.config);
  if (answerFailure(ctx, res)) return;
  const tasks = req.prompts.map((prompt, index): Task => {
    const output = planTextOutput(prompt.text, prompt.tokens, req, ctx.config);
    return { index, prompt, output, pieces: outputPieces(output) };
  });
  // The story of a completion goes on from its prompt; chatcmpl- is the id prefix llama-server uses here too.
  const reply: Reply = {
    req,
    buildInfo: ctx.config.buildInfo,
    tasks,
    id: `chatcmpl-${randomUUID().replaceAll("-", "")}`,
    created: Math.floor(Date.now() / 1000),
  };
  const hang = takeHang(ctx);
  const cut = req.stream && !hang ? takeCut(ctx) : undefined;
  if (req.stream && !hang) res.writeHead(200, SSE_HEADERS);
  const generation = new Generation(ctx, res, native ? "/completion" : "/v1/completions", req.maxTokens, (g, slot) => {
    slot.nPredict = req.maxTokens ?? -1;
    slot.stream = req.stream;
    g.promptTokens = tasks.reduce((n, t) => n + t.prompt.tokens, 0);
    if (hang) return;
    if (req.stream) streamReply(reply, g, cut);
    else jsonReply(reply, g);
  });
  if (req.stream && !hang && !generation.isEnded && !res.headersSent) res.flushHeaders();
}

const textOf = (task: Task): string => task.pieces.slice(0, task.output.count).join("");
const usageOf = ({ prompt, output }: Task) => ({
  completion_tokens: output.count,
  prompt_tokens: prompt.tokens,
  total_tokens: prompt.tokens + output.count,
});
const timingsOf = (task: Task, g: Generation) => ({ ...g.timings(task.prompt.tokens), predicted_n: task.output.count });

/** llama's stop_type: "eos" when the story ended, "word" at a stop string, "limit" when max_tokens or the context cut it. */
function stopType(output: TextOutput): string {
  if (output.finishReason === "length") return "limit";
  return output.kind === "text" && output.stopWord !== undefined ? "word" : "eos";
}

/** The closing object of a task: OpenAI's text_completion, or llama's own with generation_settings and stop_type. */
function finalObject(reply: Reply, task: Task, g: Generation, streamed: boolean): Record<string, unknown> {
  const { req, id, created } = reply;
  const { output, prompt, index } = task;
  const said = task.pieces.slice(0, output.count);
  if (req.native) {
    const body: Record<string, unknown> = {
      index,
      content: streamed ? "" : textOf(task),
      tokens: [],
      id_slot: g.slot?.id ?? -1,
      stop: true,
      model: req.model,
      tokens_predicted: output.count,
      tokens_evaluated: prompt.tokens,
      generation_settings: {
        n_predict: req.maxTokens ?? -1,
        seed: req.seed ?? 4294967295,
        stream: req.stream,
        stop: req.stop,
        n_probs: req.nProbs,
      },
      prompt: `<s> ${prompt.text}`,
      has_new_line: textOf(task).includes("\n"),
      truncated: prompt.truncated,
      stop_type: stopType(output),
      stopping_word: output.kind === "text" ? (output.stopWord ?? "") : "",
      tokens_cached: prompt.tokens + Math.max(0, output.count - 1),
      timings: timingsOf(task, g),
    };
    if (!streamed && req.nProbs > 0) body.completion_probabilities = logprobsOf(said, req).content;
    return body;
  }
  const logprobs = !streamed && req.nProbs > 0 ? logprobsOf(said, req) : null;
  return {
    choices: [{ text: streamed ? "" : textOf(task), index, logprobs, finish_reason: output.finishReason }],
    created,
    model: req.model,
    system_fingerprint: g.ctx.config.buildInfo,
    object: "text_completion",
    usage: usageOf(task),
    id,
    timings: timingsOf(task, g),
  };
}

/** After `steps` steps, the tokens of all prompts together: what the stats and /metrics count. */
function countAll(reply: Reply, g: Generation, steps: number): void {
  g.tokens = reply.tasks.reduce((n, t) => n + Math.min(steps, t.output.count), 0);
}

function jsonReply(reply: Reply, g: Generation): void {
  const steps = Math.max(...reply.tasks.map((t) => t.output.count));
  g.produce(
    steps,
    () => {},
    () => {},
    () => {
      countAll(reply, g, steps);
      const objects = reply.tasks.map((task) => finalObject(reply, task, g, false));
      // Several prompts answer a JSON array of whole responses, not OpenAI's one response with n choices.
      sendJson(g.res, 200, JSON.stringify(objects.length === 1 ? objects[0] : objects));
      g.end("completed");
    },
  );
}

function tokenEvent(reply: Reply, task: Task, i: number): string {
  const piece = task.pieces[i] ?? "";
  if (piece === "") return "";
  const { req, id, created } = reply;
  const entry = req.nProbs > 0 ? [probsEntry(piece, i, req)] : undefined;
  if (req.native) {
    const chunk: Record<string, unknown> = {
      index: task.index,
      content: piece,
      tokens: [],
      stop: false,
      id_slot: -1,
      tokens_predicted: i + 1,
      tokens_evaluated: task.prompt.tokens,
    };
    if (entry !== undefined) chunk.completion_probabilities = entry;
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }
  const logprobs = entry === undefined ? null : { content: entry };
  const choices = [{ text: piece, index: task.index, logprobs, finish_reason: null }];
  const chunk = { choices, created, model: req.model, system_fingerprint: reply.buildInfo, object: "text_completion", id };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** Tokens of all prompts interleaved step by step, each prompt's closing chunk (with usage, always) when it ends, then `[DONE]` (OpenAI route only). */
function streamReply(reply: Reply, g: Generation, cut: StreamCut | undefined): void {
  const res = g.res;
  const steps = Math.max(...reply.tasks.map((t) => t.output.count));
  const cuts = cut !== undefined && cut.after < steps;
  const count = cuts ? cut.after : steps;
  const closing = (task: Task) => `data: ${JSON.stringify(finalObject(reply, task, g, true))}\n\n`;
  let pending = reply.tasks
    .filter((t) => t.output.count === 0)
    .map(closing)
    .join("");
  g.produce(
    count,
    (i) => {
      for (const task of reply.tasks) {
        if (i >= task.output.count) continue;
        pending += tokenEvent(reply, task, i);
        if (i === task.output.count - 1) pending += closing(task);
      }
    },
    () => {
      if (g.tokens === count) return;
      res.write(pending);
      pending = "";
    },
    () => {
      countAll(reply, g, count);
      const done = reply.req.native ? "" : DONE;
      endStream(g, pending, cuts ? cut : undefined, () => done, done);
    },
  );
}
