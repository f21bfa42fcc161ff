import { countTokens, messageText, simPromptTokens, truncatePromptTokens, type SimMessage } from "./sim-tokenize.ts";

/** What the "model" says: this story, token by token, cyclically, from a prompt-dependent offset. */
const STORY =
  " Once upon a time, there was a little girl named Lily. She loved to play outside in the sun. " +
  "One day, she saw a big red ball in the park. She ran to her mom and said, can I play with the ball? " +
  "Her mom smiled and said yes. Lily was very happy and they played all day.";

/** Each token as the model emits it: words carry their leading space, punctuation does not. */
export const STORY_TOKENS: readonly string[] = STORY.match(/ ?[A-Za-z]+|[^ A-Za-z]/g) ?? [];
const STORY_WORDS = STORY_TOKENS.filter((t) => /[A-Za-z]/.test(t)).map((t) => t.trim());
/** The same tokens JSON-encoded once, so streaming never re-encodes them. */
export const STORY_TOKENS_JSON: readonly string[] = STORY_TOKENS.map((t) => JSON.stringify(t));

export const DEFAULT_NATURAL_TOKENS = 16;
export const DEFAULT_N_CTX = 2048;

export type FinishReason = "stop" | "length";

export interface CompletionPlan {
  /** Index into STORY_TOKENS of the first token. */
  offset: number;
  count: number;
  finishReason: FinishReason;
}

export interface SimCompletionOptions {
  /** The request's `seed`; changes where the story starts. */
  seed?: number;
  /** Default 16, as the simulator's. */
  naturalTokens?: number;
  /** Default 2048, as the simulator's. */
  nCtx?: number;
}

export interface SimCompletion {
  text: string;
  tokens: string[];
  finishReason: FinishReason;
}

export function hashText(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export interface Cut {
  count: number;
  /** False when max_tokens or the context stopped the output before its end ("length"). */
  whole: boolean;
}

/**
 * How much of an output `natural` tokens long gets said: all of it then EOS, unless `maxTokens` or
 * the context (nCtx - promptTokens) stops it first. `maxTokens` undefined or negative means
 * unlimited, as `n_predict: -1` does on the real server.
 */
export function cutOutput(natural: number, promptTokens: number, maxTokens: number | undefined, nCtx: number): Cut {
  const limit = maxTokens === undefined || maxTokens < 0 ? Infinity : Math.trunc(maxTokens);
  const count = Math.min(natural, limit, Math.max(0, nCtx - promptTokens));
  return { count, whole: count >= natural };
}

/** Generation of the story: `naturalTokens` of it, cut as cutOutput says (then finish_reason is "length"). */
export function planCompletion(
  lastUserText: string,
  promptTokens: number,
  maxTokens: number | undefined,
  seed: number | undefined,
  naturalTokens: number,
  nCtx: number,
): CompletionPlan {
  let h = hashText(lastUserText);
  if (seed !== undefined) h = Math.imul(h ^ (seed | 0), 0x9e3779b1) >>> 0;
  const { count, whole } = cutOutput(naturalTokens, promptTokens, maxTokens, nCtx);
  return { offset: h % STORY_TOKENS.length, count, finishReason: whole ? "stop" : "length" };
}

/** The story's words without spaces or punctuation, one per call, cycling from `offset`: the words JSON strings are made of. */
export function storyWords(offset: number): () => string {
  let i = offset % STORY_WORDS.length;
  return () => STORY_WORDS[i++ % STORY_WORDS.length] ?? "";
}

/** The plan's tokens, for outputs that need them one by one (logprobs). */
export function planTokens(plan: CompletionPlan): string[] {
  const tokens: string[] = [];
  for (let i = 0; i < plan.count; i++) tokens.push(STORY_TOKENS[(plan.offset + i) % STORY_TOKENS.length] ?? "");
  return tokens;
}

export function completionText(plan: CompletionPlan): string {
  let text = "";
  for (let i = 0; i < plan.count; i++) text += STORY_TOKENS[(plan.offset + i) % STORY_TOKENS.length];
  return text;
}

/** The text of the last user message, or of the last message when none is from the user. */
export function lastUserText(messages: readonly SimMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role === "user") return typeof m.content === "string" ? m.content : messageText(m);
  }
  const last = messages[messages.length - 1];
  return last === undefined ? "" : messageText(last);
}

/** Exactly what the simulator answers to a chat request with these messages and max_tokens. */
export function simCompletion(
  messages: readonly SimMessage[],
  maxTokens: number | undefined,
  options: SimCompletionOptions = {},
): SimCompletion {
  const nCtx = options.nCtx ?? DEFAULT_N_CTX;
  const plan = planCompletion(
    lastUserText(messages),
    simPromptTokens(messages, nCtx),
    maxTokens,
    options.seed,
    options.naturalTokens ?? DEFAULT_NATURAL_TOKENS,
    nCtx,
  );
  const tokens = planTokens(plan);
  return { text: tokens.join(""), tokens, finishReason: plan.finishReason };
}

/** Exactly what `/v1/completions` answers to `prompt` (a string) with these max_tokens: its prompt is BOS plus the prompt's tokens. */
export function simTextCompletion(prompt: string, maxTokens: number | undefined, options: SimCompletionOptions = {}): SimCompletion {
  const nCtx = options.nCtx ?? DEFAULT_N_CTX;
  const promptTokens = truncatePromptTokens(1 + countTokens(prompt), nCtx);
  const plan = planCompletion(prompt, promptTokens, maxTokens, options.seed, options.naturalTokens ?? DEFAULT_NATURAL_TOKENS, nCtx);
  const tokens = planTokens(plan);
  return { text: tokens.join(""), tokens, finishReason: plan.finishReason };
}
