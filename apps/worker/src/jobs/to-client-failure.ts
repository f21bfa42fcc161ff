import type { ErrorCode, UsageOutcome } from "@gateway/contracts";
import { NoBackendError } from "../backends/no-backend-error.ts";
import { UpstreamError } from "../llama/upstream-error.ts";
import { CancelledAbort } from "./abort-reasons.ts";

/** Seconds a client should wait after a 503: about two prober rounds, enough for a restart to show. */
export const RETRY_AFTER_S = 5;

export interface ClientFailure {
  code: ErrorCode;
  message: string;
  retryAfter?: number;
  /** A cancelled job completes; anything else fails the BullMQ job. */
  cancelled: boolean;
  /** Set when tokens were produced, so the failure is billed with this outcome. */
  usageOutcome?: UsageOutcome;
  /** For metrics: where a cancel caught the job. */
  stage?: "waiting" | "generating";
}

/** Maps what finally went wrong in a job to the error the client sees and how it is billed. */
export function toClientFailure(err: unknown): ClientFailure {
  if (err instanceof NoBackendError) {
    const last = err.last;
    if (last?.kind === "timeout") return { code: "upstream_timeout", message: last.message, cancelled: false };
    if (last && (last.kind === "status" || last.kind === "stream"))
      return { code: "upstream_error", message: last.message, cancelled: false };
    return { code: "backend_unavailable", message: err.message, retryAfter: RETRY_AFTER_S, cancelled: false };
  }
  if (!(err instanceof UpstreamError)) {
    return { code: "internal_error", message: "the worker failed to run this request", cancelled: false };
  }
  const produced = err.details.tokens > 0;
  if (err.kind === "cancelled") {
    if (err.details.reason instanceof CancelledAbort) {
      return {
        code: "client_closed_request",
        message: "request cancelled",
        cancelled: true,
        stage: err.backend ? "generating" : "waiting",
        ...(produced ? { usageOutcome: "cancelled" as const } : {}),
      };
    }
    // Only a shutdown aborts a job otherwise, after its grace period.
    return { code: "upstream_error", message: "worker shut down during generation", cancelled: false, ...billed(produced) };
  }
  // The backend's 400 is the client's field it could not take: a 400 for the client too, never a 502.
  if (err.kind === "status" && err.details.status === 400) {
    const reason = err.message.replace(/^backend answered 400: /, "");
    const code = /exceeds the available context size/i.test(reason) ? "context_length_exceeded" : "invalid_request";
    return { code, message: `the backend refused the request: ${reason}`, cancelled: false };
  }
  const code = err.kind === "timeout" ? "upstream_timeout" : "upstream_error";
  return { code, message: err.message, cancelled: false, ...billed(produced) };
}

const billed = (produced: boolean) => (produced ? { usageOutcome: "failed" as const } : {});
