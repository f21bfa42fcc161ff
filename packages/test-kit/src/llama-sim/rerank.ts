import type { ServerResponse } from "node:http";
import { isRecord, parseJsonBody } from "./chat-request.ts";
import { Generation } from "./generation.ts";
import { LlamaError, sendError, sendJson } from "./llama-response.ts";
import type { SimContext } from "./sim-context.ts";
import { answerFailure, takeHang } from "./sim-faults.ts";
import { countTokens } from "./sim-tokenize.ts";

/** format_rerank's prompt per document: BOS, the query, EOS, SEP, the document, EOS. */
const RERANK_OVERHEAD_TOKENS = 4;

const words = (text: string): Set<string> => new Set(text.toLowerCase().match(/[a-z0-9\u0080-\uffff]+/g) ?? []);

/** The simulated reranker's score: the share of distinct words query and document have in common (Jaccard), 0 to 1. */
export function simRerankScore(query: string, document: string): number {
  const q = words(query);
  const d = words(document);
  let shared = 0;
  for (const w of q) if (d.has(w)) shared++;
  const union = q.size + d.size - shared;
  return union === 0 ? 0 : Math.round((shared / union) * 1e6) / 1e6;
}

const stringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((d) => typeof d === "string");

/**
 * `POST /v1/rerank` (also /rerank, /reranking, /v1/reranking), in Jina's shape or, when the body
 * has `texts`, TEI's. Newer builds sort results by score and keep `top_n`; build b4748 keeps the
 * documents' order and ignores top_n. A server without `--reranking` answers 501 before reading
 * the body.
 */
export function handleRerank(ctx: SimContext, res: ServerResponse, raw: string): void {
  const legacy = ctx.config.toolsMode === "legacy";
  if (!ctx.config.reranking || (legacy && ctx.config.embeddingsOnly)) {
    const hint = legacy ? "Start it with `--reranking` and without `--embedding`" : "Start it with `--reranking`";
    sendError(res, 501, `This server does not support reranking. ${hint}`);
    return;
  }
  ctx.stats.generations++;
  const parsed = parseJsonBody(raw);
  const body = isRecord(parsed) ? parsed : {};
  if (body.query === undefined) throw new LlamaError(400, '"query" must be provided');
  if (typeof body.query !== "string") throw new LlamaError(400, '"query" must be a string');
  const query = body.query;
  const tei = body.texts !== undefined;
  // json_value falls back to an empty list when `documents` is not a list of strings.
  const documents = stringArray(body.documents) ? body.documents : stringArray(body.texts) ? body.texts : [];
  if (documents.length === 0) throw new LlamaError(400, '"documents" must be a non-empty string array');
  if (answerFailure(ctx, res)) return;
  const hang = takeHang(ctx);
  const queryTokens = countTokens(query);
  const promptTokens = documents.reduce((n, d) => n + RERANK_OVERHEAD_TOKENS + queryTokens + countTokens(d), 0);
  new Generation(ctx, res, "/v1/rerank", null, (g) => {
    if (hang) return;
    // No tokens: the configured ttftMs stands for scoring the documents.
    g.produce(
      0,
      () => {},
      () => {},
      () => {
        let ranked = documents.map((text, index) => ({ index, score: simRerankScore(query, text), text }));
        if (!legacy) {
          ranked = ranked.sort((a, b) => b.score - a.score || a.index - b.index);
          const topN = typeof body.top_n === "number" && body.top_n >= 0 ? Math.trunc(body.top_n) : ranked.length;
          ranked = ranked.slice(0, topN);
        }
        sendJson(
          res,
          200,
          JSON.stringify(tei ? teiBody(ranked, body.return_text === true) : jinaBody(ranked, body, promptTokens, ctx, legacy)),
        );
        g.end("completed");
      },
    );
  });
}

function jinaBody(
  ranked: { index: number; score: number }[],
  body: Record<string, unknown>,
  promptTokens: number,
  ctx: SimContext,
  legacy: boolean,
) {
  // b4748 defaults `model` to OpenAI's placeholder, newer builds to the loaded model's name.
  const model = typeof body.model === "string" ? body.model : legacy ? "gpt-3.5-turbo" : ctx.config.modelId;
  const results = ranked.map(({ index, score }) => ({ index, relevance_score: score }));
  return { model, object: "list", usage: { prompt_tokens: promptTokens, total_tokens: promptTokens }, results };
}

function teiBody(ranked: { index: number; score: number; text: string }[], returnText: boolean) {
  return ranked.map(({ index, score, text }) => (returnText ? { index, score, text } : { index, score }));
}
