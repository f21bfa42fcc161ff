import type { ServerResponse } from "node:http";
import { isRecord, parseJsonBody } from "./chat-request.ts";
import { LlamaError, sendJson } from "./llama-response.ts";
import type { SimContext } from "./sim-context.ts";
import { BOS_ID, simPieces, simTokenize } from "./sim-tokenize.ts";
import { detokenize, vocabPieces } from "./sim-vocab.ts";

/** A piece as the vocabulary holds it: leading whitespace folded to one space, as SentencePiece's "▁". */
const normalized = (piece: string): string => piece.replace(/^[\t-\r ]+/, " ").replace(/[\t-\r ]+$/, "");

/** `POST /tokenize {content, add_special?, with_pieces?}`: ids, or `{id, piece}` pairs with with_pieces. */
export function handleTokenize(ctx: SimContext, res: ServerResponse, raw: string): void {
  const body = parseJsonBody(raw);
  const fields = isRecord(body) ? body : {};
  const content = typeof fields.content === "string" ? fields.content : "";
  const tokens = simTokenize(content);
  const pieces = simPieces(content).map(normalized);
  tokens.forEach((id, i) => ctx.learnedPieces.set(id, pieces[i] ?? ""));
  if (fields.add_special === true) {
    tokens.unshift(BOS_ID);
    pieces.unshift(vocabPieces()[BOS_ID] ?? "");
  }
  const answer = fields.with_pieces === true ? tokens.map((id, i) => ({ id, piece: pieces[i] ?? "" })) : tokens;
  sendJson(res, 200, JSON.stringify({ tokens: answer }));
}

/**
 * `POST /detokenize {tokens}` → `{content}`: each id's piece, the one it stood for in the last
 * /tokenize that saw it, else the vocabulary's, so detokenize(tokenize(text)) gives the text back
 * (whitespace folded) unless two of its pieces share an id. Non-integer ids are a 500, as
 * nlohmann's conversion fails there.
 */
export function handleDetokenize(ctx: SimContext, res: ServerResponse, raw: string): void {
  const body = parseJsonBody(raw);
  const tokens = isRecord(body) && body.tokens !== undefined ? body.tokens : [];
  if (!Array.isArray(tokens)) throw new LlamaError(500, `[json.exception.type_error.302] type must be array, but is ${typeof tokens}`);
  for (const t of tokens) {
    if (!Number.isInteger(t)) throw new LlamaError(500, `[json.exception.type_error.302] type must be number, but is ${typeof t}`);
  }
  sendJson(res, 200, JSON.stringify({ content: detokenize(tokens as number[], ctx.learnedPieces) }));
}
