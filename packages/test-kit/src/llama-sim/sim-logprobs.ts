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

export interface ProbsOptions {
  nProbs: number;
  /** post_sampling_probs: `prob`/`top_probs` with probabilities instead of `logprob`/`top_logprobs`. */
  postSampling: boolean;
}

type Entry = LogprobEntry | (Omit<TopLogprob, "logprob"> & { prob: number; top_probs: (Omit<TopLogprob, "logprob"> & { prob: number })[] });

const asProb = ({ logprob, ...rest }: TopLogprob) => ({ ...rest, prob: round6(Math.exp(logprob)) });

/** The entry for the token `piece` at `position`, in the shape the request asked for. */
export function probsEntry(piece: string, position: number, options: ProbsOptions): Entry {
  const entry = logprobEntry(piece, position, options.nProbs);
  if (!options.postSampling) return entry;
  return { ...asProb(entry), top_probs: entry.top_logprobs.map(asProb) };
}

/**
 * The `logprobs` of a choice, llama-server's `{content: [...]}` for chat and completions alike: one
 * entry per token said (a token a stop string emptied says nothing).
 */
export function logprobsOf(pieces: readonly string[], options: ProbsOptions): { content: Entry[] } {
  const content: Entry[] = [];
  pieces.forEach((piece, i) => {
    if (piece !== "") content.push(probsEntry(piece, i, options));
  });
  return { content };
}
