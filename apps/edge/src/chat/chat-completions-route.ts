import type { GatewayConfig } from "@gateway/contracts";
import { Router, json, type RequestHandler } from "express";
import { requestIdsOf } from "../http/request-ids.ts";
import { requireJson } from "../http/require-json.ts";
import { idempotentChat, type IdempotentChatDeps } from "../idempotency/idempotent-chat.ts";
import type { PrepareDeps } from "../inference/inference-deps.ts";
import { chatJobPreparer } from "../inference/prepare-chat-job.ts";
import { limitHeadersOnError } from "../limits/limit-headers-on-error.ts";
import { respondJson } from "./respond-json.ts";
import { respondStream } from "./respond-stream.ts";

export interface ChatRouteDeps extends IdempotentChatDeps, PrepareDeps {
  config: GatewayConfig;
  /** Puts the principal on res.locals, or 401. */
  authenticate: RequestHandler;
  bodyLimit: string;
}

export function chatCompletionsRoute(deps: ChatRouteDeps): Router {
  const prepare = chatJobPreparer(deps);
  const router = Router();
  router.post("/v1/chat/completions", deps.authenticate, requireJson, json({ limit: deps.bodyLimit }), async (req, res) => {
    const startedAt = process.hrtime.bigint();
    const { request, job } = prepare(req.body, res.locals.principal, requestIdsOf(res));
    const includeUsage = request.stream_options?.include_usage === true;
    if (deps.idempotency.keyOf(req) !== undefined) return idempotentChat(deps, req, res, job, includeUsage, startedAt);
    if (job.stream) await respondStream(deps, job, res, { includeUsage, startedAt });
    else await respondJson(deps, job, res);
  });
  router.use(limitHeadersOnError(deps.admission));
  return router;
}
