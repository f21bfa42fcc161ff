import { Router, json, type RequestHandler } from "express";
import { respondJson } from "../chat/respond-json.ts";
import { requestIdsOf } from "../http/request-ids.ts";
import { requireJson } from "../http/require-json.ts";
import type { InferenceDeps, PrepareDeps } from "../inference/inference-deps.ts";
import { rerankJobPreparer } from "../inference/prepare-rerank-job.ts";
import { limitHeadersOnError } from "../limits/limit-headers-on-error.ts";

export interface RerankRouteDeps extends InferenceDeps, PrepareDeps {
  authenticate: RequestHandler;
  bodyLimit: string;
}

/** `POST /v1/rerank`: scored on the model's rerank pool, through the same queue and limits, billed for prompt tokens. */
export function rerankRoute(deps: RerankRouteDeps): Router {
  const prepare = rerankJobPreparer(deps);
  const router = Router();
  router.post("/v1/rerank", deps.authenticate, requireJson, json({ limit: deps.bodyLimit }), async (req, res) => {
    await respondJson(deps, prepare(req.body, res.locals.principal, requestIdsOf(res)), res);
  });
  router.use(limitHeadersOnError(deps.admission));
  return router;
}
