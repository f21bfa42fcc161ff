import type { ErrorCode } from "@gateway/contracts";
import { AppError, type AppErrorExtra } from "@gateway/http";
import type { RejectionReason } from "./rejection-reasons.ts";

/**
 * A refusal whose code alone does not say it is one: `backend_unavailable` is a failure after
 * enqueueing but a refusal before it (no worker, load shedding), so the two places that refuse
 * with it name their reason (counted by count-rejections.ts).
 */
export class RefusalError extends AppError {
  constructor(
    readonly reason: RejectionReason,
    code: ErrorCode,
    message: string,
    extra?: AppErrorExtra,
  ) {
    super(code, message, extra);
  }
}
