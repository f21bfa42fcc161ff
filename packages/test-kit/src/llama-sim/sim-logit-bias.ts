import { STORY_TOKENS } from "./sim-completion.ts";
import { SIM_VOCAB, simTokenize } from "./sim-tokenize.ts";
import { vocabPieces } from "./sim-vocab.ts";

/**
 * The part of logit_bias a deterministic model can show: a bias of BIG or more makes its token the
 * only one said (as `[[403,100]]` makes the real model say " Once Once Once"), one of -BIG or
 * less (or `false`) bans its token. Smaller biases change nothing here.
 */
export interface LogitBias {
  boost: number | undefined;
  banned: ReadonlySet<number>;
}

const BIG = 10;

/** Bias entries as params_from_json_cmpl reads them: a token id or a text (each of its tokens), and a number or `false`. */
function entries(raw: unknown, legacy: boolean): [key: unknown, bias: unknown][] {
  if (Array.isArray(raw)) return raw.filter((e): e is [unknown, unknown] => Array.isArray(e) && e.length === 2);
  // The OpenAI object form {"403": 100} came after build b4748, which ignores it.
  if (!legacy && typeof raw === "object" && raw !== null) return Object.entries(raw).map(([k, v]) => [/^\d+$/.test(k) ? Number(k) : k, v]);
  return [];
}

export function parseLogitBias(raw: unknown, legacy: boolean): LogitBias | undefined {
  let boost: number | undefined;
  let top = BIG;
  const banned = new Set<number>();
  for (const [key, value] of entries(raw, legacy)) {
    const bias = value === false ? -Infinity : typeof value === "number" ? value : undefined;
    if (bias === undefined) continue;
    const ids =
      typeof key === "number"
        ? Number.isInteger(key) && key >= 0 && key < SIM_VOCAB
          ? [key]
          : []
        : typeof key === "string"
          ? simTokenize(key)
          : [];
    for (const id of ids) {
      if (bias <= -BIG) banned.add(id);
      else if (bias >= top) [boost, top] = [id, bias];
    }
  }
  return boost === undefined && banned.size === 0 ? undefined : { boost, banned };
}

/** `count` tokens of the story from `offset` under the bias: the boosted token throughout, or the story without banned tokens. */
export function biasedTokens(bias: LogitBias, offset: number, count: number): string[] {
  const pieces = vocabPieces();
  if (bias.boost !== undefined) return new Array<string>(count).fill(pieces[bias.boost] ?? "");
  const allowed = STORY_TOKENS.filter((t) => !bias.banned.has(simTokenize(t)[0] ?? -1));
  // When every story token is banned, the model falls back on any other piece of the vocabulary.
  const source = allowed.length > 0 ? allowed : pieces.filter((_, id) => id > 2 && !bias.banned.has(id));
  const start = offset % Math.max(1, source.length);
  return Array.from({ length: count }, (_, i) => source[(start + i) % source.length] ?? "");
}
