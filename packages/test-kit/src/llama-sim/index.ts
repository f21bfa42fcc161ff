/**
 * A simulated llama-server for tests and the demo. Its answers are deterministic, and these helpers
 * compute them: simPromptTokens = 4 + Σ(4 + simTokenize(content).length), truncated like the real
 * server past nCtx (tool calls, images and the request's tools add theirs); simCompletion = the sim's
 * story from an offset hashed from the last user message (and seed), min(max_tokens, naturalTokens,
 * room left in context) tokens long; simTextCompletion the same for a /v1/completions prompt;
 * simPieces the tokens any other output (tool arguments, JSON) is said in; simRerankScore a
 * document's /v1/rerank score.
 *
 * Beyond plain chat it serves tools (called by the rule in sim-tools.ts chooseTools), structured
 * output, logprobs, stop strings, logit_bias, /v1/completions and llama's /completion,
 * /detokenize and /v1/rerank, as the build chosen by `toolsMode` does.
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
