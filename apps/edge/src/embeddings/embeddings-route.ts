import type { EmbeddingsResultMessage, GatewayConfig } from "@gateway/contracts";
import { Router, json, type RequestHandler } from "express";
import type { Redis } from "ioredis";
import { AppError } from "@gateway/http";
import { requestIdsOf } from "../http/request-ids.ts";
import { requireJson } from "../http/require-json.ts";
import { httpTransport } from "../inference/http-transport.ts";
import type { InferenceDeps } from "../inference/inference-deps.ts";
import type { PrepareDeps } from "../inference/inference-deps.ts";
import { embeddingsJobPreparer } from "../inference/prepare-embeddings-job.ts";
import { runInference } from "../inference/run-inference.ts";
import { toAppError } from "../inference/terminal.ts";
import { withCost } from "../usage/usage-cost.ts";

export interface EmbeddingsRouteDeps extends InferenceDeps, PrepareDeps {
  config: GatewayConfig;
  authenticate: RequestHandler;
  bodyLimit: string;
  /** Where workers leave embeddings bodies (too large for pub/sub). */
  redis: Redis;
}

/**
 * `POST /v1/embeddings`: validated, queued like a chat job (same limits, same slots), answered
 * with the body the worker stored, sent as it is: no parse and re-serialise of thousands of floats.
 */
export function embeddingsRoute(deps: EmbeddingsRouteDeps): Router {
  const prepare = embeddingsJobPreparer(deps);
  const router = Router();
  router.post("/v1/embeddings", deps.authenticate, requireJson, json({ limit: deps.bodyLimit }), async (req, res) => {
    const job = prepare(req.body, res.locals.principal, requestIdsOf(res));
    const end = await runInference<EmbeddingsResultMessage>(deps, job, httpTransport(res));
    if (!end) return;
    if (end.type === "error") throw toAppError(end);
    const body = await deps.redis.getdel(end.key);
    if (body === null) throw new AppError("internal_error", "the embeddings result expired before it could be sent");
    const usage = withCost(deps.prices, job.model, { ...end.usage, completion_tokens: 0 });
    res.setHeader("x-usage-cost", usage.cost);
    res.type("application/json").send(body);
    deps.deliveries.delivered(job.request_id);
  });
  return router;
}
