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
import { chooseTools, planCalls, type PlannedCall } from "./sim-tools.ts";
import { simPieces } from "./sim-tokenize.ts";
import { jsonOutput } from "./structured-output.ts";

/**
 * What a chat reply says. "story" is plain text, the hot path that streams precomputed tokens;
 * "text" is text given token by token (JSON under a schema, or any text with logprobs); "tools"
 * is tool calls, whose arguments are the tokens. `count` tokens of it get said.
 */
export type ChatOutput =
  | { kind: "story"; plan: CompletionPlan; count: number; finishReason: FinishReason }
  | { kind: "text"; pieces: readonly string[]; count: number; finishReason: FinishReason }
  | { kind: "tools"; calls: PlannedCall[]; count: number; finishReason: "tool_calls" | "length" };

export function planChatOutput(chat: ChatRequest, promptTokens: number, config: SimConfig): ChatOutput {
  const { naturalTokens, nCtx } = config;
  const maxTokens = chat.maxTokens ?? undefined;
  const promptText = lastUserText(chat.messages);
  const plan = planCompletion(promptText, promptTokens, maxTokens, chat.seed, naturalTokens, nCtx);
  const chosen = chooseTools(chat.tools, chat.toolChoice, chat.parallelToolCalls, chat.messages);
  if (chosen.length > 0) {
    const calls = planCalls(chosen, promptText, config.toolsMode === "legacy");
    const cut = cutOutput(
      calls.reduce((n, c) => n + c.pieces.length, 0),
      promptTokens,
      maxTokens,
      nCtx,
    );
    return { kind: "tools", calls, count: cut.count, finishReason: cut.whole ? "tool_calls" : "length" };
  }
  if (chat.format.kind === "json") {
    const story = completionText({ ...plan, count: naturalTokens });
    const pieces = simPieces(jsonOutput(chat.format.schema, plan.offset, story));
    const cut = cutOutput(pieces.length, promptTokens, maxTokens, nCtx);
    return { kind: "text", pieces, count: cut.count, finishReason: cut.whole ? "stop" : "length" };
  }
  if (chat.nProbs > 0) return { kind: "text", pieces: planTokens(plan), count: plan.count, finishReason: plan.finishReason };
  return { kind: "story", plan, count: plan.count, finishReason: plan.finishReason };
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
