import type { EmbeddingsResultMessage, GatewayConfig } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import { Router, json, type RequestHandler } from "express";
import type { Redis } from "ioredis";
import { assertModelAllowed } from "../auth/assert-model-allowed.ts";
import { callWorker, toAppError, type CallDeps } from "../chat/call-worker.ts";
import { requireJson } from "../http/require-json.ts";
import type { ContentPolicy } from "../limits/content-policy.ts";
import { canonicalModel } from "../models/model-index.ts";
import { withCost } from "../usage/usage-cost.ts";
import { embeddingsRequestParser } from "./parse-embeddings-request.ts";
import { toEmbeddingsJob } from "./to-embeddings-job.ts";

export interface EmbeddingsRouteDeps extends CallDeps {
  config: GatewayConfig;
  authenticate: RequestHandler;
  contentPolicy: ContentPolicy;
  bodyLimit: string;
  requestTimeoutMs: number;
  /** Where workers leave embeddings bodies (too large for pub/sub). */
  redis: Redis;
}

/**
 * `POST /v1/embeddings`: validated, queued like a chat job (same limits, same slots), answered
 * with the body the worker stored, sent as it is: no parse and re-serialise of thousands of floats.
 */
export function embeddingsRoute(deps: EmbeddingsRouteDeps): Router {
  const parse = embeddingsRequestParser(deps.config);
  const router = Router();
  router.post("/v1/embeddings", deps.authenticate, requireJson, json({ limit: deps.bodyLimit }), async (req, res) => {
    const request = parse(req.body);
    assertModelAllowed(res.locals.principal, request.model, deps.config);
    const job = toEmbeddingsJob(request, {
      requestId: res.locals.requestId,
      caller: res.locals.caller,
      model: canonicalModel(deps.config, request.model),
      replyTo: deps.hub.channel,
      now: Date.now(),
      timeoutMs: deps.requestTimeoutMs,
    });
    deps.contentPolicy(job.prompts.flatMap((p) => (typeof p === "string" ? [{ role: "user" as const, content: p }] : [])));
    const end = await callWorker<EmbeddingsResultMessage>(deps, job, res);
    if (!end) return;
    if (end.type === "error") throw toAppError(end);
    const body = await deps.redis.getdel(end.key);
    if (body === null) throw new AppError("internal_error", "the embeddings result expired before it could be sent");
    const usage = withCost(deps.prices, job.model, { ...end.usage, completion_tokens: 0 });
    res.setHeader("x-usage-cost", usage.cost);
    res.type("application/json").send(body);
  });
  return router;
}
