import { STORY_TOKENS } from "./sim-completion.ts";
import { SIM_VOCAB, simTokenize } from "./sim-tokenize.ts";

/** stories260K's special pieces, which the server prints as they are. */
const SPECIAL = ["<unk>", "<s>", "</s>"];
const SEED_WORDS = "the a and to of in it is was he she they you I said on for with at one day big little happy sad play saw ran";

/** Letters-only candidates "a", "b", ..., "zz", "aaa", ... for ids no seed word lands on. */
function* inventedWords(): Generator<string> {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  for (let length = 1; length <= 4; length++) {
    const index = new Array<number>(length).fill(0);
    for (;;) {
      yield index.map((i) => letters[i]).join("");
      let k = length - 1;
      while (k >= 0 && ++index[k]! === letters.length) index[k--] = 0;
      if (k < 0) break;
    }
  }
}

let table: string[] | undefined;

/**
 * One piece per token id, such that simTokenize(piece) is [id]: the story's own tokens first (so
 * generated text reads back as itself), then ASCII punctuation, digits and common words, with and
 * without their leading space, then invented letter strings for the ids left. Built on first use.
 */
export function vocabPieces(): readonly string[] {
  if (table !== undefined) return table;
  const pieces: (string | undefined)[] = [...SPECIAL, ...new Array<undefined>(SIM_VOCAB - SPECIAL.length)];
  let left = SIM_VOCAB - SPECIAL.length;
  const offer = (piece: string): void => {
    const ids = simTokenize(piece);
    const id = ids[0];
    if (ids.length !== 1 || id === undefined || pieces[id] !== undefined) return;
    pieces[id] = piece;
    left--;
  };
  for (const token of STORY_TOKENS) offer(token);
  for (let c = 33; c < 127; c++) offer(String.fromCharCode(c));
  for (const word of SEED_WORDS.split(" ")) {
    offer(` ${word}`);
    offer(word);
  }
  for (const word of inventedWords()) {
    if (left === 0) break;
    offer(` ${word}`);
    offer(word);
  }
  table = pieces.map((p) => p ?? "");
  return table;
}

/** Learned pieces win: the text a client tokenized reads back as it was (whitespace folded to one space, like "▁"). */
export function detokenize(tokens: readonly number[], learned: ReadonlyMap<number, string>): string {
  const pieces = vocabPieces();
  let text = "";
  for (const id of tokens) text += learned.get(id) ?? pieces[id] ?? "";
  return text;
}
