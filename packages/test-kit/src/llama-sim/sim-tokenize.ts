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

/** What one image costs in a prompt on a server with a vision projector (real projectors vary: 64 to 1,000+). */
export const SIM_IMAGE_TOKENS = 64;

/** A content part as OpenAI sends it: text parts count their text, image_url parts SIM_IMAGE_TOKENS. */
export interface SimContentPart {
  type: string;
  text?: string;
  image_url?: unknown;
}

/** A chat message in OpenAI's shape, as far as the simulator reads it. */
export interface SimMessage {
  role: string;
  /** Absent or null on an assistant message that only calls tools. */
  content?: string | null | readonly SimContentPart[];
  /** An assistant message's calls count as their name and arguments text. */
  tool_calls?: readonly { function: { name: string; arguments: string } }[];
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

/** A message's text: its string, or its text parts joined by newlines as llama-server joins them. */
export function messageText(message: SimMessage): string {
  const content = message.content;
  if (typeof content === "string") return content;
  if (content === null || content === undefined) return "";
  let text = "";
  for (const part of content) {
    if (part.type === "text") text += text === "" ? (part.text ?? "") : `\n${part.text ?? ""}`;
  }
  return text;
}

function messageTokens(message: SimMessage): number {
  const content = message.content;
  // Plain string content is the hot path: nothing else to look at.
  if (typeof content === "string" && message.tool_calls === undefined) return countTokens(content);
  let n = countTokens(messageText(message));
  if (Array.isArray(content)) for (const part of content) if (part.type === "image_url") n += SIM_IMAGE_TOKENS;
  for (const call of message.tool_calls ?? []) n += countTokens(call.function.name) + countTokens(call.function.arguments);
  return n;
}

/**
 * The `prompt_tokens` the simulator reports for a chat request:
 * 4 + Σ over messages (4 + its tokens), then truncated as the server would when `nCtx` is given and
 * the prompt does not fit. A message's tokens are those of its text, SIM_IMAGE_TOKENS per image
 * part, and those of each tool call's name and arguments. `tools`, when given and not empty, add
 * the tokens of their JSON, as the chat template renders them into the prompt (even with
 * tool_choice "none").
 */
export function simPromptTokens(messages: readonly SimMessage[], nCtx?: number, tools?: readonly unknown[]): number {
  let total = PROMPT_OVERHEAD_TOKENS;
  for (const m of messages) total += MESSAGE_OVERHEAD_TOKENS + messageTokens(m);
  if (tools !== undefined && tools.length > 0) total += countTokens(JSON.stringify(tools));
  return nCtx === undefined ? total : truncatePromptTokens(total, nCtx);
}

/**
 * `text` cut into the pieces the model would emit, one per token of simTokenize: whitespace rides
 * on the piece after it, trailing whitespace on the last one, so the pieces join back to `text`.
 */
export function simPieces(text: string): string[] {
  const pieces: string[] = [];
  const re = /[\t-\r ]*(?:[0-9A-Za-z\u0080-\uffff]+|[^\t-\r 0-9A-Za-z\u0080-\uffff])/gy;
  let end = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    pieces.push(m[0]);
    end = re.lastIndex;
  }
  if (end < text.length && pieces.length > 0) pieces[pieces.length - 1] += text.slice(end);
  return pieces;
}
