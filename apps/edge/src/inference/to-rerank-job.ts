import type { RerankJob, RerankRequest } from "@gateway/contracts";
import { jobEnvelope, type JobContext } from "./job-envelope.ts";
import type { AdmitRequest } from "../limits/admission.ts";

export function toRerankJob(req: RerankRequest, ctx: JobContext, model: string): RerankJob {
  return {
    ...jobEnvelope(ctx, model),
    kind: "rerank",
    query: req.query,
    documents: req.documents,
    ...(req.top_n !== undefined && { top_n: req.top_n }),
    ...(req.return_documents !== undefined && { return_documents: req.return_documents }),
  };
}

/** A reranker reads the query with each document, between BOS, EOS and SEP markers. */
const PAIR_OVERHEAD = 4;

/** What admission reserves for a rerank: every (query, document) pair's upper bound, nothing to generate. */
export function rerankAdmitRequest(job: RerankJob): AdmitRequest {
  const query = Buffer.byteLength(job.query, "utf8");
  const upperBound = job.documents.reduce((n, d) => n + PAIR_OVERHEAD + query + Buffer.byteLength(d, "utf8"), 0);
  return { requestId: job.request_id, caller: job.caller, prompt: { upperBound }, maxTokens: 0 };
}
