import { z } from "zod";
import { ToolCall, ToolCallDelta } from "./chat-tools.ts";

export const FinishReason = z.enum(["stop", "length", "tool_calls", "content_filter"]);
export type FinishReason = z.infer<typeof FinishReason>;

export const Usage = z.object({
  prompt_tokens: z.number().int().min(0),
  completion_tokens: z.number().int().min(0),
  total_tokens: z.number().int().min(0),
});
export type Usage = z.infer<typeof Usage>;

const TopLogprob = z.object({ token: z.string(), logprob: z.number(), bytes: z.array(z.number().int()).nullable() });

/** One generated token with its log-probability and the most likely alternatives (OpenAI's shape). */
export const TokenLogprob = TopLogprob.extend({ top_logprobs: z.array(TopLogprob) });
export type TokenLogprob = z.infer<typeof TokenLogprob>;

export const ChoiceLogprobs = z.object({ content: z.array(TokenLogprob).nullable() });
export type ChoiceLogprobs = z.infer<typeof ChoiceLogprobs>;

export const AssistantMessage = z.object({
  role: z.literal("assistant"),
  /** Null when the model only called tools. */
  content: z.string().nullable(),
  tool_calls: z.array(ToolCall).optional(),
  /** The model's reasoning, from backends that split it off (llama-server's --reasoning-format). */
  reasoning_content: z.string().optional(),
});
export type AssistantMessage = z.infer<typeof AssistantMessage>;

/** What every completion object and chunk starts with (OpenAI's shape), `object` naming which it is. */
export const completionHead = <O extends string>(object: O) => ({
  id: z.string(),
  object: z.literal(object),
  created: z.number().int(),
  model: z.string(),
  system_fingerprint: z.string().nullable().optional(),
});

export const ChatCompletion = z.object({
  ...completionHead("chat.completion"),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: AssistantMessage,
      finish_reason: FinishReason,
      logprobs: ChoiceLogprobs.nullable().optional(),
    }),
  ),
  usage: Usage,
});
export type ChatCompletion = z.infer<typeof ChatCompletion>;

export const ChatDelta = z.object({
  role: z.literal("assistant").optional(),
  content: z.string().nullable().optional(),
  reasoning_content: z.string().optional(),
  tool_calls: z.array(ToolCallDelta).optional(),
});
export type ChatDelta = z.infer<typeof ChatDelta>;

export const ChatCompletionChunk = z.object({
  ...completionHead("chat.completion.chunk"),
  choices: z.array(
    z.object({
      index: z.number().int(),
      delta: ChatDelta,
      finish_reason: FinishReason.nullable(),
      logprobs: ChoiceLogprobs.nullable().optional(),
    }),
  ),
  usage: Usage.nullable().optional(),
});
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunk>;
