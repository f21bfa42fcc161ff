/**
 * The simulator's tokenizer: a word (a run of ASCII letters/digits or any non-ASCII characters) or
 * one punctuation character is one token; whitespace is folded into the token after it, as
 * SentencePiece does with "▁". Ids are a stable hash mod the vocabulary, kept clear of the
 * special ids 0..2 (unk, BOS, EOS) that the real 512-token vocabulary reserves.
 */
export const SIM_VOCAB = 512;
export const BOS_ID = 1;
const FIRST_PLAIN_ID = 3;

/** Per message: start marker, role, newline, end marker (ChatML-like, as llama-server's fallback template). */
export const MESSAGE_OVERHEAD_TOKENS = 4;
/** BOS, plus the `<|im_start|>assistant\n` header that opens the reply. */
export const PROMPT_OVERHEAD_TOKENS = 1 + 3;

export interface SimMessage {
  role: string;
  content: string;
}

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
const isWord = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 128;

/** Counts tokens, and pushes their ids when `ids` is given; one pass, no substrings (hot path). */
function scanTokens(text: string, ids: number[] | null): number {
  let count = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    let c = text.charCodeAt(i);
    let spaced = false;
    while (isSpace(c)) {
      spaced = true;
      if (++i === n) return count;
      c = text.charCodeAt(i);
    }
    count++;
    // FNV-1a over the piece's UTF-16 units, "▁" first when whitespace preceded it.
    let h = spaced ? Math.imul(2166136261 ^ 0x2581, 16777619) : 2166136261;
    if (isWord(c)) {
      while (i < n && isWord((c = text.charCodeAt(i)))) {
        h = Math.imul(h ^ c, 16777619);
        i++;
      }
    } else {
      h = Math.imul(h ^ c, 16777619);
      i++;
    }
    if (ids !== null) ids.push(FIRST_PLAIN_ID + ((h >>> 0) % (SIM_VOCAB - FIRST_PLAIN_ID)));
  }
  return count;
}

/** Token ids of `text` without BOS, as `POST /tokenize` answers by default. */
export function simTokenize(text: string): number[] {
  const ids: number[] = [];
  scanTokens(text, ids);
  return ids;
}

export function countTokens(text: string): number {
  return scanTokens(text, null);
}

/**
 * llama-server's truncation of a prompt that does not fit its slot (n_keep = 0): it drops whole
 * blocks of n_ctx/2 tokens from the front until the rest fits, and still answers 200.
 */
export function truncatePromptTokens(promptTokens: number, nCtx: number): number {
  if (promptTokens < nCtx) return promptTokens;
  const block = Math.max(1, Math.floor(nCtx / 2));
  const erased = Math.floor((promptTokens - block) / block);
  return promptTokens - erased * block;
}

/**
 * The `prompt_tokens` the simulator reports for a chat request:
 * 4 + Σ over messages (4 + simTokenize(content).length), then truncated as the server would when
 * `nCtx` is given and the prompt does not fit.
 */
export function simPromptTokens(messages: readonly SimMessage[], nCtx?: number): number {
  let total = PROMPT_OVERHEAD_TOKENS;
  for (const m of messages) total += MESSAGE_OVERHEAD_TOKENS + countTokens(m.content);
  return nCtx === undefined ? total : truncatePromptTokens(total, nCtx);
}
