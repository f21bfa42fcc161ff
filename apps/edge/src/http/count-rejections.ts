import type { AppError } from "@gateway/http";
import type { EdgeMetrics } from "../metrics.ts";
import { RefusalError } from "./refusal-error.ts";
import { rejectionReasonOf } from "./rejection-reasons.ts";

/**
 * The error handler's hook. The handler is the one place errors become responses, so it is also
 * where refusals are counted (`gateway_edge_rejections_total{reason}`): a new check that throws
 * an AppError is counted without touching metrics.
 */
export function countRejections(metrics: Pick<EdgeMetrics, "rejections">): (error: AppError) => void {
  return (error) => {
    const reason = error instanceof RefusalError ? error.reason : rejectionReasonOf(error.code);
    if (reason) metrics.rejections.inc({ reason });
  };
}
