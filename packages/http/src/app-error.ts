import { ERROR_CODES, type ErrorCode, type FieldIssue } from "@gateway/contracts";

export interface AppErrorExtra {
  /** The offending field, as OpenAI's `param`. */
  param?: string | null;
  details?: FieldIssue[] | null;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Response headers the error needs (e.g. Allow on a 405). */
  headers?: Record<string, string>;
}

/** The one error type routes throw; the error middleware turns it into the envelope. */
export class AppError extends Error {
  override name = "AppError";
  /** From the one table of codes (ERROR_CODES), so a code always has the same status. */
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: AppErrorExtra = {},
  ) {
    super(message);
    this.status = ERROR_CODES[code].status;
  }
}
