import type { RerankJob } from "@gateway/contracts";
import { assertModelAllowed } from "../auth/assert-model-allowed.ts";
import type { Principal } from "../auth/principal.ts";
import type { RequestIds } from "../http/request-ids.ts";
import { canonicalModel } from "../models/model-index.ts";
import type { PrepareDeps } from "./inference-deps.ts";
import { jobContext } from "./job-envelope.ts";
import { rerankRequestParser } from "./parse-rerank-request.ts";
import { toRerankJob } from "./to-rerank-job.ts";

/**
 * Builds (once per configuration) the one way a rerank request becomes a job: validated (400),
 * the model allowed for the credential (403), the query and every document through the content
 * policy (400 naming `query` or `documents.<i>`).
 */
export function rerankJobPreparer(deps: PrepareDeps) {
  const parse = rerankRequestParser(deps.config);
  return (body: unknown, principal: Principal, ids: RequestIds): RerankJob => {
    const request = parse(body);
    assertModelAllowed(principal, request.model, deps.config);
    const job = toRerankJob(request, jobContext(deps, principal, ids), canonicalModel(deps.config, request.model));
    deps.contentPolicy([
      { param: "query", text: request.query },
      ...request.documents.map((text, i) => ({ param: `documents.${i}`, text })),
    ]);
    return job;
  };
}
