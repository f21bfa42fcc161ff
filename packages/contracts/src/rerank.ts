import { z } from "zod";
import { EmbeddingsUsage } from "./embeddings.ts";
import { checkModel } from "./model-checks.ts";
import { Text } from "./text.ts";

/** Documents per request: the worker scores them in batches across the model's rerank pool. */
export const MAX_RERANK_DOCUMENTS = 1_000;

export interface RerankLimits {
  maxContentChars: number;
  /** Names (ids and aliases) of models with a rerank pool. */
  models: ReadonlySet<string>;
}

/**
 * `POST /v1/rerank` (Jina's and Cohere's shape, which llama-server's `--reranking` speaks): a
 * query, the documents to score against it, and how many of the best to return.
 */
export function rerankRequest(limits: RerankLimits) {
  const text = Text.min(1, "must not be empty").max(limits.maxContentChars, `must be at most ${limits.maxContentChars} characters`);
  return z
    .strictObject({
      model: Text.min(1),
      query: text,
      documents: z.array(text).min(1, "must not be empty").max(MAX_RERANK_DOCUMENTS, `must have at most ${MAX_RERANK_DOCUMENTS} documents`),
      top_n: z.number().int().min(1).optional(),
      return_documents: z.boolean().optional(),
      user: Text.max(256).optional(),
    })
    .superRefine((req, ctx) => void checkModel(limits.models, req.model, ctx, "rerank model"));
}
export type RerankRequest = z.infer<ReturnType<typeof rerankRequest>>;

export const RerankResult = z.object({
  /** The document's position in the request. */
  index: z.number().int().min(0),
  relevance_score: z.number(),
  document: z.object({ text: z.string() }).optional(),
});
export type RerankResult = z.infer<typeof RerankResult>;

/** Results best first, at most `top_n` of them; billed for prompt tokens only. */
export const RerankResponse = z.object({
  id: z.string(),
  object: z.literal("list"),
  model: z.string(),
  results: z.array(RerankResult),
  usage: EmbeddingsUsage,
});
export type RerankResponse = z.infer<typeof RerankResponse>;
