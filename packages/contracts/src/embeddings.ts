import { z } from "zod";
import { checkModel } from "./model-checks.ts";
import { Text } from "./text.ts";

/** OpenAI's own limit on inputs per request; clients such as LangChain batch up to it. */
export const MAX_EMBEDDING_INPUTS = 2048;
/** Largest token id accepted in a token-array input (llama.cpp ids are int32). */
const MAX_TOKEN_ID = 2 ** 31 - 1;

export const EmbeddingEncoding = z.enum(["float", "base64"]);
export type EmbeddingEncoding = z.infer<typeof EmbeddingEncoding>;

/** One prompt to embed, after normalisation: text, or token ids as llama-server accepts them. */
export const EmbeddingPrompt = z.union([z.string(), z.array(z.number().int())]);
export type EmbeddingPrompt = z.infer<typeof EmbeddingPrompt>;

export interface EmbeddingsLimits {
  /** Longest accepted text input in characters, and longest token-array input. */
  maxInputChars: number;
  /** Model names (ids and aliases) that have an embeddings pool. */
  models: ReadonlySet<string>;
  /** Per model name, the dimensions its vectors may be shortened to (configured `embedding_dimensions`). */
  dimensions?: ReadonlyMap<string, readonly number[]>;
}

/** Fields of OpenAI's embeddings API this gateway refuses rather than ignores (none since `dimensions` is checked per model). */
export const EMBEDDINGS_UNSUPPORTED_FIELDS = [] as const;

/**
 * The embeddings request, validated against the configured models: `input` is a string, an
 * array of strings, an array of token ids, or an array of token arrays, never empty, at most
 * MAX_EMBEDDING_INPUTS of them, each bounded. Unknown fields are rejected as for chat.
 */
export function embeddingsRequest(limits: EmbeddingsLimits) {
  const text = Text.min(1, "must not be empty").max(limits.maxInputChars, `must be at most ${limits.maxInputChars} characters`);
  const tokens = z
    .array(z.number().int().min(0).max(MAX_TOKEN_ID))
    .min(1, "must not be empty")
    .max(limits.maxInputChars, `must be at most ${limits.maxInputChars} tokens`);
  const many = <T extends z.ZodType>(item: T) =>
    z.array(item).min(1, "must not be empty").max(MAX_EMBEDDING_INPUTS, `must have at most ${MAX_EMBEDDING_INPUTS} items`);
  return z
    .strictObject({
      model: Text.min(1),
      input: z.union([text, many(text), tokens, many(tokens)]),
      encoding_format: EmbeddingEncoding.optional(),
      dimensions: z.number().int().min(1).optional(),
      user: Text.max(256).optional(),
    })
    .superRefine((req, ctx) => {
      if (!checkModel(limits.models, req.model, ctx, "embeddings model")) return;
      if (req.dimensions === undefined) return;
      // llama-server ignores `dimensions` (and returns full vectors): only a model configured for it may shorten them.
      const allowed = limits.dimensions?.get(req.model) ?? [];
      if (!allowed.includes(req.dimensions)) {
        ctx.addIssue({
          code: "custom",
          path: ["dimensions"],
          message:
            allowed.length === 0
              ? `is not supported by model '${req.model}': its configuration names no embedding_dimensions its vectors may be shortened to`
              : `must be one of ${allowed.join(", ")} for model '${req.model}'`,
          params: { kind: "unsupported_parameter" },
        });
      }
    });
}
export type EmbeddingsRequest = z.infer<ReturnType<typeof embeddingsRequest>>;

/** The request's input as a list of prompts: a bare string or token array is one prompt. */
export function embeddingPrompts(input: string | string[] | number[] | number[][]): EmbeddingPrompt[] {
  if (typeof input === "string") return [input];
  if (input.length > 0 && typeof input[0] === "number") return [input as number[]];
  return input as EmbeddingPrompt[];
}

export const EmbeddingsUsage = z.object({
  prompt_tokens: z.number().int().min(0),
  total_tokens: z.number().int().min(0),
});
export type EmbeddingsUsage = z.infer<typeof EmbeddingsUsage>;

export const Embedding = z.object({
  object: z.literal("embedding"),
  index: z.number().int().min(0),
  /** Floats, or with encoding_format "base64" the little-endian float32 bytes in base64. */
  embedding: z.union([z.array(z.number()), z.string()]),
});
export type Embedding = z.infer<typeof Embedding>;

export const EmbeddingsResponse = z.object({
  object: z.literal("list"),
  data: z.array(Embedding),
  model: z.string(),
  usage: EmbeddingsUsage,
});
export type EmbeddingsResponse = z.infer<typeof EmbeddingsResponse>;
