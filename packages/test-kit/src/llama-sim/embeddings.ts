import type { ServerResponse } from "node:http";
import { parseJsonBody } from "./chat-request.ts";
import { Generation } from "./generation.ts";
import { LlamaError, sendJson } from "./llama-response.ts";
import type { SimContext } from "./sim-context.ts";
import { embeddingInputTokens, embeddingToBase64, simEmbedding } from "./sim-embedding.ts";
import { answerFailure, takeHang } from "./sim-faults.ts";
import { simTokenize } from "./sim-tokenize.ts";

const noop = (): void => {};
const isTokenArray = (x: unknown): x is number[] => Array.isArray(x) && x.every((t) => typeof t === "number");

/**
 * The prompts in `input`, as llama-server's tokenize_input_prompts reads them: a string, one token
 * array, a mix of strings and tokens (one prompt), or an array of strings and token arrays. Text
 * inputs get BOS; token arrays go as they are.
 */
export function embeddingPrompts(input: unknown): number[][] {
  if (typeof input === "string") return [embeddingInputTokens(input)];
  if (Array.isArray(input)) {
    if (isTokenArray(input)) return [input];
    if (input.some((x) => typeof x === "number")) {
      if (input.every((x) => typeof x === "number" || typeof x === "string")) {
        return [input.flatMap((x) => (typeof x === "number" ? [x] : simTokenize(x as string)))];
      }
    } else if (input.every((x) => typeof x === "string" || isTokenArray(x))) {
      return input.map((x) => (typeof x === "string" ? embeddingInputTokens(x) : (x as number[])));
    }
  }
  throw new LlamaError(500, '"prompt" must be a string, an list of tokens, a list of mixed strings & tokens, or a list of prompts');
}

/** Usage counts prompt tokens only: no completion_tokens, as the real server reports. */
export function handleEmbeddings(ctx: SimContext, res: ServerResponse, raw: string): void {
  ctx.stats.generations++;
  const body = parseJsonBody(raw);
  const fields = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const input = fields.input ?? fields.content;
  if (input === undefined) throw new LlamaError(400, '"input" or "content" must be provided');
  const prompts = embeddingPrompts(input);
  if (prompts.length === 0 || prompts.some((p) => p.length === 0)) throw new LlamaError(400, "Input content cannot be empty");
  const format = fields.encoding_format ?? "float";
  if (format !== "float" && format !== "base64") {
    throw new LlamaError(400, "The format to return the embeddings in. Can be either float or base64");
  }
  if (answerFailure(ctx, res)) return;
  const hang = takeHang(ctx);
  const promptTokens = prompts.reduce((n, p) => n + p.length, 0);
  new Generation(ctx, res, "/v1/embeddings", null, (g) => {
    if (hang) return;
    // No tokens: the configured ttftMs stands for prompt processing.
    g.produce(0, noop, noop, () => {
      const data = prompts.map((tokens, index) => {
        const vector = simEmbedding(tokens);
        // The real server marks each base64 item with its encoding too.
        if (format === "base64") return { embedding: embeddingToBase64(vector), index, object: "embedding", encoding_format: "base64" };
        return { embedding: Array.from(vector), index, object: "embedding" };
      });
      const model = typeof fields.model === "string" ? fields.model : "gpt-3.5-turbo";
      const usage = { prompt_tokens: promptTokens, total_tokens: promptTokens };
      sendJson(res, 200, JSON.stringify({ model, object: "list", usage, data }));
      g.end("completed");
    });
  });
}
