/**
 * A simulated llama-server for tests and the demo. Its answers are deterministic, and these helpers
 * compute them: simPromptTokens = 4 + Σ(4 + simTokenize(content).length), truncated like the real
 * server past nCtx; simCompletion = the sim's story from an offset hashed from the last user message
 * (and seed), min(max_tokens, naturalTokens, room left in context) tokens long.
 */
export { startLlamaSim } from "./start-llama-sim.ts";
export {
  simTokenize,
  simPromptTokens,
  simPieces,
  SIM_VOCAB,
  SIM_IMAGE_TOKENS,
  type SimMessage,
  type SimContentPart,
} from "./sim-tokenize.ts";
export type { LogprobEntry, TopLogprob } from "./sim-logprobs.ts";
export { simCompletion, simTextCompletion, STORY_TOKENS, type SimCompletion, type SimCompletionOptions } from "./sim-completion.ts";
export { simRerankScore } from "./rerank.ts";
export { simEmbedding, simTextEmbedding, embeddingFromBase64, SIM_N_EMBD } from "./sim-embedding.ts";
export type { LlamaSim, LlamaSimFaults, LlamaSimOptions, LlamaSimStats, RequestEndEvent } from "./types.ts";
