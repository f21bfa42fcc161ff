import { Router, json, type RequestHandler } from "express";
import { respondJson } from "../chat/respond-json.ts";
import { respondStream, type StreamDeps } from "../chat/respond-stream.ts";
import { requestIdsOf } from "../http/request-ids.ts";
import { requireJson } from "../http/require-json.ts";
import type { PrepareDeps } from "../inference/inference-deps.ts";
import { completionJobPreparer } from "../inference/prepare-completion-job.ts";
import { limitHeadersOnError } from "../limits/limit-headers-on-error.ts";

export interface CompletionsRouteDeps extends StreamDeps, PrepareDeps {
  authenticate: RequestHandler;
  bodyLimit: string;
}

/**
 * `POST /v1/completions`: OpenAI's legacy text completion, over the chat pool, through the same
 * queue, limits and billing as chat; answered as one `text_completion` with a choice per prompt,
 * as JSON or SSE.
 */
export function completionsRoute(deps: CompletionsRouteDeps): Router {
  const prepare = completionJobPreparer(deps);
  const router = Router();
  router.post("/v1/completions", deps.authenticate, requireJson, json({ limit: deps.bodyLimit }), async (req, res) => {
    const startedAt = process.hrtime.bigint();
    const { job, includeUsage } = prepare(req.body, res.locals.principal, requestIdsOf(res));
    if (job.stream) await respondStream(deps, job, res, { includeUsage, startedAt });
    else await respondJson(deps, job, res);
  });
  router.use(limitHeadersOnError(deps.admission));
  return router;
}
