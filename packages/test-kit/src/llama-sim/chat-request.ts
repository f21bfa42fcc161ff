import { LlamaError } from "./llama-response.ts";
import type { SimMessage } from "./sim-tokenize.ts";

export interface ChatRequest {
  messages: SimMessage[];
  model: string;
  stream: boolean;
  /** n_predict, else max_tokens; null when absent or not a number, which means unlimited. */
  maxTokens: number | null;
  seed: number | undefined;
  includeUsage: boolean;
}

/** Body parse failures are 500s on llama-server (an uncaught nlohmann exception), not 400s. */
export function parseJsonBody(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new LlamaError(500, `[json.exception.parse_error.101] parse error: ${(error as Error).message}`);
  }
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** Message content as text; the real server joins text parts and rejects any other part with a 500. */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (content === null) return "";
  if (!Array.isArray(content)) throw new LlamaError(500, "Invalid 'content' type");
  let text = "";
  for (const part of content) {
    if (!isRecord(part) || part.type !== "text" || typeof part.text !== "string") {
      throw new LlamaError(500, "unsupported content[].type");
    }
    text += text === "" ? part.text : `\n${part.text}`;
  }
  return text;
}

/**
 * Reads a chat request the way build b4747 does: missing/ill-shaped `messages` and `n > 1` are
 * 500s; fields with the wrong type fall back to their defaults, unknown fields are ignored.
 */
export function parseChatRequest(raw: string): ChatRequest {
  const body = parseJsonBody(raw);
  if (!isRecord(body)) throw new LlamaError(500, "[json.exception.type_error.304] cannot use at() with non-object");
  const rawMessages = body.messages;
  if (rawMessages === undefined) throw new LlamaError(500, "[json.exception.out_of_range.403] key 'messages' not found");
  if (!Array.isArray(rawMessages)) throw new LlamaError(500, `Expected 'messages' to be an array, got ${typeof rawMessages}`);
  if (typeof body.n === "number" && body.n !== 1) throw new LlamaError(500, "Only one completion choice is allowed");
  const messages: SimMessage[] = [];
  for (const m of rawMessages) {
    if (!isRecord(m) || m.content === undefined) throw new LlamaError(500, "Missing 'content'");
    messages.push({ role: typeof m.role === "string" ? m.role : "", content: contentText(m.content) });
  }
  const nPredict = typeof body.n_predict === "number" ? body.n_predict : body.max_tokens;
  const options = body.stream_options;
  return {
    messages,
    model: typeof body.model === "string" ? body.model : "gpt-3.5-turbo",
    stream: body.stream === true,
    maxTokens: typeof nPredict === "number" && Number.isFinite(nPredict) ? Math.trunc(nPredict) : null,
    seed: typeof body.seed === "number" ? body.seed : undefined,
    includeUsage: isRecord(options) && options.include_usage === true,
  };
}
