import { z } from "zod";
import { FinishReason, Usage } from "./chat-response.ts";
import { LogitBias } from "./chat.ts";
import { BoundedJsonSchema } from "./json-schema.ts";
import { LlamaSampling } from "./llama-sampling.ts";
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

/** One prompt after normalisation: text, or token ids as llama-server accepts them. */
export const CompletionPrompt = z.union([z.string(), z.array(z.number().int())]);
export type CompletionPrompt = z.infer<typeof CompletionPrompt>;

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
      max_tokens: z.number().int().min(1).optional(),
      temperature: z.number().min(0).max(2).optional(),
      top_p: z.number().min(0).max(1).optional(),
      presence_penalty: z.number().min(-2).max(2).optional(),
      frequency_penalty: z.number().min(-2).max(2).optional(),
      seed: z.number().int().optional(),
      stop: z.union([Text.min(1), z.array(Text.min(1)).min(1).max(4)]).optional(),
      n: z.literal(1, "must be 1: llama-server generates one choice per prompt").optional(),
      best_of: z.literal(1, "must be 1: llama-server generates one choice per prompt").optional(),
      stream: z.boolean().optional(),
      stream_options: z.strictObject({ include_usage: z.boolean().optional() }).nullable().optional(),
      echo: z.boolean().optional(),
      logprobs: z.number().int().min(0).max(MAX_COMPLETION_LOGPROBS).nullable().optional(),
      logit_bias: LogitBias.optional(),
      user: Text.max(256).optional(),
      json_schema: BoundedJsonSchema.optional(),
      grammar: Text.min(1).max(100_000).optional(),
      ...LlamaSampling,
      suffix: z
        .never("is not supported: llama-server's completions cannot insert text before a suffix (fill-in-the-middle needs /infill)")
        .optional(),
      id_slot: z.never("is chosen by the gateway: each request gets a free slot of a healthy backend").optional(),
    })
    .superRefine((req, ctx) => {
      const model = limits.models.get(req.model);
      if (!model) {
        ctx.addIssue({ code: "custom", path: ["model"], message: `unknown model '${req.model}'`, params: { kind: "model_not_found" } });
        return;
      }
      if (req.max_tokens !== undefined && req.max_tokens > model.maxOutputTokens) {
        ctx.addIssue({
          code: "custom",
          path: ["max_tokens"],
          message: `must be at most ${model.maxOutputTokens} for model '${req.model}'`,
          params: { kind: "max_tokens_exceeded" },
        });
      }
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
export function completionPrompts(prompt: CompletionRequest["prompt"]): CompletionPrompt[] {
  if (typeof prompt === "string") return [prompt];
  if (prompt.length > 0 && typeof prompt[0] === "number") return [prompt as number[]];
  return prompt as CompletionPrompt[];
}

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
  id: z.string(),
  object: z.literal("text_completion"),
  created: z.number().int(),
  model: z.string(),
  system_fingerprint: z.string().nullable().optional(),
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
