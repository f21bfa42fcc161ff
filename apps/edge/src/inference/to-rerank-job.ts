import type { Caller, RerankJob, RerankRequest } from "@gateway/contracts";
import type { RequestIds } from "../http/request-ids.ts";
import type { AdmitRequest } from "../limits/admission.ts";

export interface RerankJobContext extends RequestIds {
  caller: Caller;
  /** The canonical id of the requested model (an alias resolved). */
  model: string;
  replyTo: string;
  now: number;
  timeoutMs: number;
}

export function toRerankJob(req: RerankRequest, ctx: RerankJobContext): RerankJob {
  return {
    v: 1,
    kind: "rerank",
    request_id: ctx.requestId,
    model: ctx.model,
    caller: ctx.caller,
    query: req.query,
    documents: req.documents,
    ...(req.top_n !== undefined && { top_n: req.top_n }),
    ...(req.return_documents !== undefined && { return_documents: req.return_documents }),
    reply_to: ctx.replyTo,
    accepted_at: ctx.now,
    deadline_at: ctx.now + ctx.timeoutMs,
    ...(ctx.clientRequestId !== undefined && { client_request_id: ctx.clientRequestId }),
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
