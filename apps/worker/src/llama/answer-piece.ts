import type { TokenLogprob } from "@gateway/contracts";

/** One piece of a tool call as a backend streams it: the first names the call, later ones carry arguments. */
export interface ToolCallPiece {
  index: number;
  /** llama-server b4748 leaves ids empty ("") and newer builds give 32 characters: the gateway decides which to keep. */
  id?: string;
  name?: string;
  arguments?: string;
}

/** What a chunk says besides plain text: what plain chat never has, so its hot path never builds one. */
export interface PieceExtra {
  reasoning?: string;
  toolCalls?: ToolCallPiece[];
  logprobs?: TokenLogprob[];
}

export type OnPiece = (text: string, extra?: PieceExtra) => void;

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const bytesOf = (x: unknown): number[] | null => (Array.isArray(x) && x.every((b) => typeof b === "number") ? (x as number[]) : null);

function topOf(x: unknown): Omit<TokenLogprob, "top_logprobs"> | undefined {
  if (!isRecord(x) || typeof x.token !== "string" || typeof x.logprob !== "number") return undefined;
  return { token: x.token, logprob: x.logprob, bytes: bytesOf(x.bytes) };
}

/** llama-server's log-probability entries in OpenAI's shape (its own `id` of each token left out). */
export function readLogprobs(logprobs: unknown): TokenLogprob[] | undefined {
  const content = isRecord(logprobs) ? logprobs.content : undefined;
  if (!Array.isArray(content)) return undefined;
  return content.flatMap((entry) => {
    const top = topOf(entry);
    if (!top) return [];
    const alternatives = isRecord(entry) && Array.isArray(entry.top_logprobs) ? entry.top_logprobs : [];
    return [{ ...top, top_logprobs: alternatives.flatMap((a) => topOf(a) ?? []) }];
  });
}

/** A streamed `delta.tool_calls`, read leniently (a field of the wrong type is as if absent). */
export function readToolCallPieces(calls: unknown): ToolCallPiece[] | undefined {
  if (!Array.isArray(calls)) return undefined;
  return calls.flatMap((call, i) => {
    if (!isRecord(call)) return [];
    const fn = isRecord(call.function) ? call.function : {};
    const piece: ToolCallPiece = { index: typeof call.index === "number" ? call.index : i };
    if (typeof call.id === "string") piece.id = call.id;
    if (typeof fn.name === "string") piece.name = fn.name;
    if (typeof fn.arguments === "string") piece.arguments = fn.arguments;
    return [piece];
  });
}

/** The extra of a chunk's choice, or undefined when it has none (every plain token). */
export function readExtra(delta: Record<string, unknown> | undefined, logprobs: unknown): PieceExtra | undefined {
  const calls = delta?.tool_calls;
  const reasoning = delta?.reasoning_content;
  if (calls === undefined && reasoning === undefined && (logprobs === undefined || logprobs === null)) return undefined;
  const extra: PieceExtra = {};
  const toolCalls = readToolCallPieces(calls);
  if (toolCalls && toolCalls.length > 0) extra.toolCalls = toolCalls;
  if (typeof reasoning === "string" && reasoning !== "") extra.reasoning = reasoning;
  const entries = readLogprobs(logprobs);
  if (entries && entries.length > 0) extra.logprobs = entries;
  return Object.keys(extra).length > 0 ? extra : undefined;
}
