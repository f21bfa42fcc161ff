import { UpstreamError } from "./upstream-error.ts";

/** What `/v1/embeddings` answered, items in their input order. */
export interface EmbeddingsAnswer {
  embeddings: (number[] | string)[];
  promptTokens: number | undefined;
}

/** What `/v1/rerank` answered: a score per document, by its index in the request. */
export interface RerankAnswer {
  scores: { index: number; score: number }[];
  promptTokens: number | undefined;
}

type Answer = { data?: { index?: unknown; embedding?: unknown }[]; results?: { index?: unknown; relevance_score?: unknown }[] };
const malformed = (what: string) => new UpstreamError("stream", `backend sent a malformed ${what} answer`, { tokens: 0 });
const promptTokensOf = (json: unknown): number | undefined => {
  const tokens = (json as { usage?: { prompt_tokens?: unknown } } | null)?.usage?.prompt_tokens;
  return typeof tokens === "number" ? tokens : undefined;
};

export function readEmbeddingsAnswer(json: unknown): EmbeddingsAnswer {
  const data = Array.isArray((json as Answer | null)?.data) ? [...(json as Answer).data!] : [];
  data.sort((a, b) => Number(a.index ?? 0) - Number(b.index ?? 0));
  const embeddings = data.map((d) => d.embedding);
  if (embeddings.some((e) => typeof e !== "string" && !Array.isArray(e))) throw malformed("embeddings");
  return { embeddings: embeddings as (number[] | string)[], promptTokens: promptTokensOf(json) };
}

/** Jina's shape, which llama-server answers (b4748 keeps the documents' order, newer builds sort): order is the caller's to decide. */
export function readRerankAnswer(json: unknown): RerankAnswer {
  const results = (json as Answer | null)?.results;
  if (!Array.isArray(results)) throw malformed("rerank");
  const scores = results.map((r) => ({ index: r.index, score: r.relevance_score }));
  if (scores.some((s) => typeof s.index !== "number" || typeof s.score !== "number")) throw malformed("rerank");
  return { scores: scores as RerankAnswer["scores"], promptTokens: promptTokensOf(json) };
}
