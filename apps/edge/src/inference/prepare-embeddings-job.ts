import type { EmbeddingsJob } from "@gateway/contracts";
import { assertModelAllowed } from "../auth/assert-model-allowed.ts";
import type { Principal } from "../auth/principal.ts";
import type { RequestIds } from "../http/request-ids.ts";
import { canonicalModel } from "../models/model-index.ts";
import type { PrepareDeps } from "./inference-deps.ts";
import { jobContext } from "./job-envelope.ts";
import { embeddingsRequestParser } from "./parse-embeddings-request.ts";
import { toEmbeddingsJob } from "./to-embeddings-job.ts";

/**
 * Builds (once per configuration) the one way a client's embeddings request becomes a job:
 * validated (400), the model allowed for the credential (403), every text input passed through
 * the content policy (400; token-id inputs carry no text to match).
 */
export function embeddingsJobPreparer(deps: PrepareDeps) {
  const parse = embeddingsRequestParser(deps.config);
  return (body: unknown, principal: Principal, ids: RequestIds): EmbeddingsJob => {
    const request = parse(body);
    assertModelAllowed(principal, request.model, deps.config);
    const job = toEmbeddingsJob(request, jobContext(deps, principal, ids), canonicalModel(deps.config, request.model));
    const { input } = request;
    const texts = typeof input === "string" ? [{ param: "input", text: input }] : input.map((text, i) => ({ param: `input.${i}`, text }));
    deps.contentPolicy(texts.filter((t): t is { param: string; text: string } => typeof t.text === "string"));
    return job;
  };
}
