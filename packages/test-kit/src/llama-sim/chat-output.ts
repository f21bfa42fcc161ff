import type { ChatRequest } from "./chat-request.ts";
import {
  completionText,
  cutOutput,
  lastUserText,
  planCompletion,
  planTokens,
  type CompletionPlan,
  type FinishReason,
} from "./sim-completion.ts";
import type { SimConfig } from "./sim-context.ts";
import { biasedTokens, type LogitBias } from "./sim-logit-bias.ts";
import { chooseTools, genericToolText, planCalls, type PlannedCall } from "./sim-tools.ts";
import { simPieces } from "./sim-tokenize.ts";
import { applyStop } from "./stop-words.ts";
import { jsonOutput } from "./structured-output.ts";

/** Plain text: the hot path, streaming precomputed story tokens. */
export interface StoryOutput {
  kind: "story";
  plan: CompletionPlan;
  count: number;
  finishReason: FinishReason;
}

/** Text given token by token: JSON under a schema, or text with logprobs, a stop string or a logit bias. A piece may be "" after a stop string. */
export interface TokenOutput {
  kind: "text";
  pieces: readonly string[];
  count: number;
  finishReason: FinishReason;
  /** The stop string that ended it, if one did. */
  stopWord?: string;
}

/**
 * Tool calls, whose arguments are the tokens said (`count` of them). On build b4748 the model
 * writes the Generic format's wrapper, `{"tool_call":{"name":…,"arguments":…}}`, and all of it is
 * said and counted: `raw` holds those tokens.
 */
export interface ToolsOutput {
  kind: "tools";
  calls: PlannedCall[];
  raw: readonly string[] | undefined;
  count: number;
  finishReason: "tool_calls" | "length";
}

export type TextOutput = StoryOutput | TokenOutput;
export type ChatOutput = TextOutput | ToolsOutput;

/** What shapes a text output besides its prompt. */
export interface TextParams {
  maxTokens: number | null;
  seed: number | undefined;
  stop: readonly string[];
  bias: LogitBias | undefined;
  nProbs: number;
}

function tokenOutput(pieces: readonly string[], promptTokens: number, params: TextParams, nCtx: number): TokenOutput {
  const cut = cutOutput(pieces.length, promptTokens, params.maxTokens ?? undefined, nCtx);
  const stopped = params.stop.length > 0 ? applyStop(pieces, cut.count, params.stop) : undefined;
  if (stopped !== undefined)
    return { kind: "text", pieces: stopped.pieces, count: stopped.count, finishReason: "stop", stopWord: stopped.word };
  return { kind: "text", pieces, count: cut.count, finishReason: cut.whole ? "stop" : "length" };
}

/** The story the "model" tells for `promptText`, as chat and completions share it. */
export function planTextOutput(promptText: string, promptTokens: number, params: TextParams, config: SimConfig): TextOutput {
  const { naturalTokens, nCtx } = config;
  const plan = planCompletion(promptText, promptTokens, params.maxTokens ?? undefined, params.seed, naturalTokens, nCtx);
  if (params.bias !== undefined) return tokenOutput(biasedTokens(params.bias, plan.offset, naturalTokens), promptTokens, params, nCtx);
  if (params.nProbs === 0 && params.stop.length === 0) return { kind: "story", plan, count: plan.count, finishReason: plan.finishReason };
  return tokenOutput(planTokens({ ...plan, count: naturalTokens }), promptTokens, params, nCtx);
}

export function planChatOutput(chat: ChatRequest, promptTokens: number, config: SimConfig): ChatOutput {
  const promptText = lastUserText(chat.messages);
  const chosen = chooseTools(chat.tools, chat.toolChoice, chat.parallelToolCalls, chat.messages);
  if (chosen.length > 0) {
    const legacy = config.toolsMode === "legacy";
    const calls = planCalls(chosen, promptText, legacy);
    const raw = legacy ? simPieces(genericToolText(calls)) : undefined;
    const natural = raw?.length ?? calls.reduce((n, c) => n + c.pieces.length, 0);
    const cut = cutOutput(natural, promptTokens, chat.maxTokens ?? undefined, config.nCtx);
    return { kind: "tools", calls, raw, count: cut.count, finishReason: cut.whole ? "tool_calls" : "length" };
  }
  if (chat.format.kind === "json") {
    const plan = planCompletion(promptText, promptTokens, undefined, chat.seed, config.naturalTokens, config.nCtx);
    const story = completionText({ ...plan, count: config.naturalTokens });
    return tokenOutput(simPieces(jsonOutput(chat.format.schema, plan.offset, story)), promptTokens, chat, config.nCtx);
  }
  return planTextOutput(promptText, promptTokens, chat, config);
}

/** Position of each said token: which call it belongs to and where in its arguments. */
export function* callTokens(calls: readonly PlannedCall[], count: number): Generator<{ call: number; piece: number }> {
  let left = count;
  for (let call = 0; call < calls.length && left > 0; call++) {
    const n = Math.min(left, calls[call]?.pieces.length ?? 0);
    for (let piece = 0; piece < n; piece++) yield { call, piece };
    left -= n;
  }
}

/** The calls as far as `count` tokens wrote them: later calls absent, the last one's arguments possibly cut. */
export function saidCalls(calls: readonly PlannedCall[], count: number): { id: string; name: string; arguments: string }[] {
  const said: { id: string; name: string; arguments: string }[] = [];
  for (const { call, piece } of callTokens(calls, count)) {
    const c = calls[call];
    if (c === undefined) continue;
    if (piece === 0) said.push({ id: c.id, name: c.name, arguments: "" });
    const last = said[said.length - 1];
    if (last !== undefined) last.arguments += c.pieces[piece] ?? "";
  }
  return said;
}

/** Every token of the output in order, tool arguments (or b4748's raw wrapper) included: what logprobs describe. */
export function outputPieces(output: ChatOutput): readonly string[] {
  if (output.kind === "text") return output.pieces;
  if (output.kind === "tools") return output.raw ?? output.calls.flatMap((c) => c.pieces);
  return planTokens(output.plan);
}
