import { BOS_ID, SIM_VOCAB, simTokenize } from "./sim-tokenize.ts";

/** n_embd of stories260K, which `/v1/models` reports too. */
export const SIM_N_EMBD = 64;

/** One fixed pseudo-random direction per token id, built once (512 × 64 floats). */
const TOKEN_VECTORS = (() => {
  const table = new Float32Array(SIM_VOCAB * SIM_N_EMBD);
  let state = 0x2545f491;
  for (let i = 0; i < table.length; i++) {
    // xorshift32: deterministic across runs and platforms, which Math.random is not.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    table[i] = (state >>> 0) / 0x80000000 - 1;
  }
  return table;
})();

/** The embedding of a token sequence: the L2-normalised sum of its tokens' directions. */
export function simEmbedding(tokens: readonly number[]): Float32Array {
  const sum = new Float64Array(SIM_N_EMBD);
  for (const token of tokens) {
    const base = (((token % SIM_VOCAB) + SIM_VOCAB) % SIM_VOCAB) * SIM_N_EMBD;
    for (let d = 0; d < SIM_N_EMBD; d++) sum[d] = (sum[d] ?? 0) + (TOKEN_VECTORS[base + d] ?? 0);
  }
  let norm = 0;
  for (let d = 0; d < SIM_N_EMBD; d++) norm += (sum[d] ?? 0) ** 2;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  const out = new Float32Array(SIM_N_EMBD);
  for (let d = 0; d < SIM_N_EMBD; d++) out[d] = (sum[d] ?? 0) * scale;
  return out;
}

/** A text input's tokens: with BOS, as the server tokenizes embedding inputs with special tokens. */
export function embeddingInputTokens(text: string): number[] {
  const tokens = simTokenize(text);
  tokens.unshift(BOS_ID);
  return tokens;
}

/** Exactly the vector `/v1/embeddings` answers for this text input. */
export function simTextEmbedding(text: string): Float32Array {
  return simEmbedding(embeddingInputTokens(text));
}

/** OpenAI's base64 encoding: the float32 values' little-endian bytes. */
export function embeddingToBase64(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString("base64");
}

export function embeddingFromBase64(encoded: string): Float32Array {
  const bytes = Buffer.from(encoded, "base64");
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
