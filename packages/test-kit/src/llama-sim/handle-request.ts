import type { IncomingMessage, ServerResponse } from "node:http";
import { handleChatCompletions } from "./chat-completions.ts";
import { handleCompletions, handleNativeCompletion } from "./completions.ts";
import { parseJsonBody } from "./chat-request.ts";
import { handleEmbeddings } from "./embeddings.ts";
import { handleHealth, handleMetrics, handleModels, handleProps, handleSlots } from "./info-routes.ts";
import { LlamaError, sendError, sendJson } from "./llama-response.ts";
import { handleRerank } from "./rerank.ts";
import type { SimContext } from "./sim-context.ts";
import { handleDetokenize, handleTokenize } from "./tokenize-routes.ts";
import { applyFaultCommand } from "./sim-faults.ts";
import type { LlamaSimFaults } from "./types.ts";

/** A GET handler gets the query string, a POST handler the raw body. */
type Handler = (ctx: SimContext, res: ServerResponse, input: string) => void;

interface Route {
  method: "GET" | "POST";
  handler: Handler;
  /** `--api-key` leaves /health and the model list open. */
  public: boolean;
}

const get = (handler: Handler, open = false): Route => ({ method: "GET", handler, public: open });
const post = (handler: Handler): Route => ({ method: "POST", handler, public: false });

/** llama-server serves most endpoints with and without the /v1 prefix. */
const ROUTES = new Map<string, Route>([
  ["/health", get(handleHealth, true)],
  ["/v1/health", get(handleHealth, true)],
  ["/slots", get(handleSlots)],
  ["/props", get(handleProps)],
  ["/models", get(handleModels, true)],
  ["/v1/models", get(handleModels, true)],
  ["/metrics", get(handleMetrics)],
  ["/tokenize", post(handleTokenize)],
  ["/detokenize", post(handleDetokenize)],
  ["/chat/completions", post(handleChatCompletions)],
  ["/v1/chat/completions", post(handleChatCompletions)],
  ["/completion", post(handleNativeCompletion)],
  ["/completions", post(handleNativeCompletion)],
  ["/v1/completions", post(handleCompletions)],
  ["/embeddings", post(handleEmbeddings)],
  ["/v1/embeddings", post(handleEmbeddings)],
  ["/rerank", post(handleRerank)],
  ["/reranking", post(handleRerank)],
  ["/v1/rerank", post(handleRerank)],
  ["/v1/reranking", post(handleRerank)],
]);

/** Returns the request handler of one simulator: loading, then API key, then routing, as the real server orders them. */
export function createRequestHandler(ctx: SimContext, faults: LlamaSimFaults) {
  const { apiKey } = ctx.config;
  const bearer = apiKey === undefined ? undefined : `Bearer ${apiKey}`;

  return (req: IncomingMessage, res: ServerResponse): void => {
    ctx.stats.requests++;
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    if (path.startsWith("/_sim/")) {
      readBody(req, res, (raw) => control(ctx, faults, req.method, path, res, raw));
      return;
    }
    if (ctx.faults.loadingUntil > 0) {
      if (Date.now() < ctx.faults.loadingUntil) return sendError(res, 503, "Loading model");
      ctx.faults.loadingUntil = 0;
    }
    const route = ROUTES.get(path);
    if (bearer !== undefined && route?.public !== true) {
      if (req.headers.authorization !== bearer && req.headers["x-api-key"] !== apiKey) {
        return sendError(res, 401, "Invalid API Key");
      }
    }
    if (route === undefined || route.method !== req.method) return sendError(res, 404, "File Not Found");
    if (route.method === "GET") run(ctx, res, route.handler, q < 0 ? "" : url.slice(q + 1));
    else readBody(req, res, (raw) => run(ctx, res, route.handler, raw));
  };
}

function readBody(req: IncomingMessage, res: ServerResponse, onBody: (raw: string) => void): void {
  let raw = "";
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => {
    raw += chunk;
  });
  req.on("end", () => onBody(raw));
  req.on("error", () => res.destroy());
}

/** The one place a rejected request becomes llama-server's error body. */
function run(ctx: SimContext, res: ServerResponse, handler: Handler, input: string): void {
  try {
    handler(ctx, res, input);
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
    } else if (error instanceof LlamaError) {
      sendError(res, error.status, error.message, error.type);
    } else {
      sendError(res, 500, (error as Error).message);
    }
  }
}

function control(
  ctx: SimContext,
  faults: LlamaSimFaults,
  method: string | undefined,
  path: string,
  res: ServerResponse,
  raw: string,
): void {
  if (method === "GET" && path === "/_sim/stats") return sendJson(res, 200, JSON.stringify(ctx.stats));
  if (method !== "POST" || path !== "/_sim/faults") return sendError(res, 404, "File Not Found");
  run(
    ctx,
    res,
    () => {
      applyFaultCommand(faults, parseJsonBody(raw));
      sendJson(res, 200, '{"ok":true}');
    },
    raw,
  );
}
