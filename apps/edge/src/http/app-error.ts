import { ERROR_CODES, type ErrorCode, type FieldIssue } from "@gateway/contracts";
import type { RejectionReason } from "./rejection-reasons.ts";

/** The one error type routes throw; the error middleware turns it into the envelope. */
export class AppError extends Error {
  override name = "AppError";
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: {
      param?: string | null;
      details?: FieldIssue[] | null;
      retryAfter?: number;
      headers?: Record<string, string>;
      /** Counts the error as this rejection reason where its code alone does not say (rejection-reasons.ts). */
      rejection?: RejectionReason;
    } = {},
  ) {
    super(message);
    this.status = ERROR_CODES[code].status;
  }
}
