import { z } from "zod";
import { completionHead, FinishReason, Usage } from "./chat-response.ts";
import { GENERATION_REQUEST_FIELDS } from "./chat.ts";
import { embeddingPrompts, EmbeddingPrompt } from "./embeddings.ts";
import { checkMaxTokens, checkModel } from "./model-checks.ts";
import { Text } from "./text.ts";

/** Prompts per request: each runs on its own slot, side by side. */
export const MAX_COMPLETION_PROMPTS = 32;
/** OpenAI's legacy limit on `logprobs`. */
export const MAX_COMPLETION_LOGPROBS = 5;
const MAX_TOKEN_ID = 2 ** 31 - 1;

export interface CompletionLimits {
  maxContentChars: number;
  /** Names (ids and aliases) of models with a chat pool, and their largest max_tokens. */
  models: ReadonlyMap<string, { maxOutputTokens: number }>;
}

export const COMPLETION_UNSUPPORTED_FIELDS = ["suffix"] as const;

/** One prompt after normalisation: text, or token ids as llama-server accepts them (as an embeddings input). */
export const CompletionPrompt = EmbeddingPrompt;
export type CompletionPrompt = EmbeddingPrompt;

/**
 * OpenAI's legacy `POST /v1/completions`: `prompt` a string, strings, token ids or token-id
 * arrays (one choice each), `echo` and `logprobs` (0-5) as OpenAI defines them. `suffix` is
 * refused: llama-server's completions cannot insert text (fill-in-the-middle needs /infill).
 */
export function completionRequest(limits: CompletionLimits) {
  const text = Text.min(1, "must not be empty").max(limits.maxContentChars, `must be at most ${limits.maxContentChars} characters`);
  const tokens = z.array(z.number().int().min(0).max(MAX_TOKEN_ID)).min(1, "must not be empty").max(limits.maxContentChars);
  const many = <T extends z.ZodType>(item: T) =>
    z.array(item).min(1, "must not be empty").max(MAX_COMPLETION_PROMPTS, `must have at most ${MAX_COMPLETION_PROMPTS} prompts`);
  return z
    .strictObject({
      model: Text.min(1),
      prompt: z.union([text, many(text), tokens, many(tokens)]),
      ...GENERATION_REQUEST_FIELDS,
      n: z.literal(1, "must be 1: llama-server generates one choice per prompt").optional(),
      best_of: z.literal(1, "must be 1: llama-server generates one choice per prompt").optional(),
      echo: z.boolean().optional(),
      logprobs: z.number().int().min(0).max(MAX_COMPLETION_LOGPROBS).nullable().optional(),
      suffix: z
        .never("is not supported: llama-server's completions cannot insert text before a suffix (fill-in-the-middle needs /infill)")
        .optional(),
      id_slot: z.never("is chosen by the gateway: each request gets a free slot of a healthy backend").optional(),
    })
    .superRefine((req, ctx) => {
      if (!checkModel(limits.models, req.model, ctx)) return;
      checkMaxTokens(req, ["max_tokens"], limits.models.get(req.model)!.maxOutputTokens, ctx);
      if (req.echo === true && (req.logprobs ?? 0) > 0) {
        ctx.addIssue({
          code: "custom",
          path: ["echo"],
          message: "cannot be combined with logprobs: llama-server does not return the prompt's log-probabilities",
        });
      }
      if (req.json_schema !== undefined && req.grammar !== undefined)
        ctx.addIssue({ code: "custom", path: ["grammar"], message: "cannot be combined with json_schema" });
    });
}
export type CompletionRequest = z.infer<ReturnType<typeof completionRequest>>;

/** The request's prompt as a list of prompts: a bare string or token array is one. */
export const completionPrompts = (prompt: CompletionRequest["prompt"]): CompletionPrompt[] => embeddingPrompts(prompt);

/** OpenAI's legacy log-probabilities: parallel arrays over the choice's tokens. */
export const CompletionLogprobs = z.object({
  tokens: z.array(z.string()),
  token_logprobs: z.array(z.number().nullable()),
  top_logprobs: z.array(z.record(z.string(), z.number()).nullable()),
  text_offset: z.array(z.number().int()),
});
export type CompletionLogprobs = z.infer<typeof CompletionLogprobs>;

const CompletionChoice = z.object({
  text: z.string(),
  index: z.number().int().min(0),
  logprobs: CompletionLogprobs.nullable(),
  finish_reason: FinishReason,
});

export const TextCompletion = z.object({
  ...completionHead("text_completion"),
  choices: z.array(CompletionChoice),
  usage: Usage,
});
export type TextCompletion = z.infer<typeof TextCompletion>;

/** A streamed piece of one choice (OpenAI's stream chunks are `text_completion` objects too). */
export const TextCompletionChunk = TextCompletion.extend({
  choices: z.array(CompletionChoice.extend({ finish_reason: FinishReason.nullable() })),
  usage: Usage.nullable().optional(),
});
export type TextCompletionChunk = z.infer<typeof TextCompletionChunk>;
