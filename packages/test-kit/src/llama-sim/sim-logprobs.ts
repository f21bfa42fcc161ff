import { hashText } from "./sim-completion.ts";
import { SIM_VOCAB, simTokenize } from "./sim-tokenize.ts";
import { vocabPieces } from "./sim-vocab.ts";

export interface TopLogprob {
  id: number;
  token: string;
  bytes: number[];
  logprob: number;
}

/** One generated token as llama-server's probs_vector_to_json writes it (OpenAI's shape plus `id`). */
export interface LogprobEntry extends TopLogprob {
  top_logprobs: TopLogprob[];
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
const FIRST_PLAIN_ID = 3;

function top(id: number, token: string, p: number): TopLogprob {
  return { id, token, bytes: [...Buffer.from(token, "utf8")], logprob: Math.min(0, round6(Math.log(p))) };
}

/**
 * Deterministic log-probabilities for the token `piece` at `position`: the chosen token has
 * p in [0.5, 0.99] (from a hash), so it comes first; the k-th alternative (other vocabulary
 * pieces) has (1 - p) / 2^k, so the list falls and sums below 1. `n` alternatives in all,
 * the chosen one included, as n_probs counts them.
 */
export function logprobEntry(piece: string, position: number, n: number): LogprobEntry {
  const h = hashText(`${position}\u0000${piece}`);
  const id = simTokenize(piece)[0] ?? 0;
  const p = 0.5 + (h % 4900) / 10000;
  const chosen = top(id, piece, p);
  const pieces = vocabPieces();
  const alternatives: TopLogprob[] = n > 0 ? [chosen] : [];
  const span = SIM_VOCAB - FIRST_PLAIN_ID;
  // A step coprime with the span visits every plain id once before repeating.
  const step = 97;
  let other = FIRST_PLAIN_ID + (h % span);
  for (let k = 1; alternatives.length < Math.min(n, span); k++) {
    if (other !== id) alternatives.push(top(other, pieces[other] ?? "", (1 - p) / 2 ** k));
    other = FIRST_PLAIN_ID + ((other - FIRST_PLAIN_ID + step) % span);
  }
  return { ...chosen, top_logprobs: alternatives };
}

/** The `logprobs` of a choice: llama-server's `{content: [...]}`, one entry per token, for chat and completions alike. */
export function logprobsOf(pieces: readonly string[], n: number, from = 0, to = pieces.length): { content: LogprobEntry[] } {
  const content: LogprobEntry[] = [];
  for (let i = from; i < to; i++) content.push(logprobEntry(pieces[i] ?? "", i, n));
  return { content };
}
