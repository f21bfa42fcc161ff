import { ERROR_CODES, type ErrorCode, type FieldIssue } from "@gateway/contracts";

/** The one error type routes throw; the error middleware turns it into the envelope. */
export class AppError extends Error {
  override name = "AppError";
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { param?: string | null; details?: FieldIssue[] | null; retryAfter?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = ERROR_CODES[code].status;
  }
}
