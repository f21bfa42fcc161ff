import { z } from "zod";
import { Text } from "./text.ts";

export const Role = z.enum(["system", "user", "assistant"]);
export type Role = z.infer<typeof Role>;

/** OpenAI allows content as text parts; only text parts are meaningful to llama-server. */
const TextPart = z.strictObject({ type: z.literal("text"), text: Text });

export interface ChatLimits {
  /** Longest accepted message content, in characters. */
  maxContentChars: number;
  /** Configured model ids, and the largest max_tokens each accepts. */
  models: ReadonlyMap<string, { maxOutputTokens: number }>;
}

/** Fields the OpenAI API defines that this gateway refuses rather than silently ignores. */
export const UNSUPPORTED_FIELDS = [
  "tools",
  "tool_choice",
  "functions",
  "function_call",
  "logprobs",
  "top_logprobs",
  "logit_bias",
  "audio",
  "modalities",
  "prediction",
  "response_format",
  "parallel_tool_calls",
  "store",
  "service_tier",
  "reasoning_effort",
  "web_search_options",
] as const;

/**
 * The chat completion request, validated against the configured models and limits. Unknown
 * fields are rejected (OpenAI does the same), so a typo like `max_token` is an error rather
 * than an unbounded generation; see docs/architecture.md.
 */
export function chatCompletionRequest(limits: ChatLimits) {
  const content = z.union([
    Text.min(1, "must not be empty").max(limits.maxContentChars, `must be at most ${limits.maxContentChars} characters`),
    z
      .array(TextPart)
      .min(1, "must not be empty")
      .refine((parts) => parts.reduce((n, p) => n + p.text.length, 0) <= limits.maxContentChars, {
        message: `must be at most ${limits.maxContentChars} characters`,
      }),
  ]);
  const message = z.strictObject({ role: Role, content, name: Text.max(64).optional() });
  const tokens = z.number().int().min(1);

  return z
    .strictObject({
      model: Text.min(1),
      messages: z
        .array(message)
        .min(1, "must contain at least one message")
        .refine((m) => m.at(-1)?.role === "user", { message: "the last message must have role 'user'" }),
      max_tokens: tokens.optional(),
      max_completion_tokens: tokens.optional(),
      temperature: z.number().min(0).max(2).optional(),
      top_p: z.number().min(0).max(1).optional(),
      presence_penalty: z.number().min(-2).max(2).optional(),
      frequency_penalty: z.number().min(-2).max(2).optional(),
      seed: z.number().int().optional(),
      stop: z.union([Text.min(1), z.array(Text.min(1)).min(1).max(4)]).optional(),
      n: z.literal(1, "only n=1 is supported").optional(),
      stream: z.boolean().optional(),
      stream_options: z.strictObject({ include_usage: z.boolean().optional() }).nullable().optional(),
      user: Text.max(256).optional(),
      ...Object.fromEntries(UNSUPPORTED_FIELDS.map((f) => [f, z.never(`is not supported by this gateway`).optional()])),
    })
    .superRefine((req, ctx) => {
      const model = limits.models.get(req.model);
      if (!model) {
        ctx.addIssue({ code: "custom", path: ["model"], message: `unknown model '${req.model}'`, params: { kind: "model_not_found" } });
        return;
      }
      for (const field of ["max_tokens", "max_completion_tokens"] as const) {
        const value = req[field];
        if (value !== undefined && value > model.maxOutputTokens) {
          ctx.addIssue({
            code: "custom",
            path: [field],
            message: `must be at most ${model.maxOutputTokens} for model '${req.model}'`,
            params: { kind: "max_tokens_exceeded" },
          });
        }
      }
    });
}
export type ChatCompletionRequest = z.infer<ReturnType<typeof chatCompletionRequest>>;

export const ChatMessage = z.object({ role: Role, content: z.string(), name: z.string().optional() });
export type ChatMessage = z.infer<typeof ChatMessage>;

export const FinishReason = z.enum(["stop", "length", "tool_calls", "content_filter"]);
export type FinishReason = z.infer<typeof FinishReason>;

export const Usage = z.object({
  prompt_tokens: z.number().int().min(0),
  completion_tokens: z.number().int().min(0),
  total_tokens: z.number().int().min(0),
});
export type Usage = z.infer<typeof Usage>;

export const ChatCompletion = z.object({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.number().int(),
  model: z.string(),
  system_fingerprint: z.string().nullable().optional(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({ role: z.literal("assistant"), content: z.string() }),
      finish_reason: FinishReason,
      logprobs: z.null().optional(),
    }),
  ),
  usage: Usage,
});
export type ChatCompletion = z.infer<typeof ChatCompletion>;

export const ChatCompletionChunk = z.object({
  id: z.string(),
  object: z.literal("chat.completion.chunk"),
  created: z.number().int(),
  model: z.string(),
  system_fingerprint: z.string().nullable().optional(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      delta: z.object({ role: z.literal("assistant").optional(), content: z.string().optional() }),
      finish_reason: FinishReason.nullable(),
      logprobs: z.null().optional(),
    }),
  ),
  usage: Usage.nullable().optional(),
});
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunk>;
