import type { ErrorCode, FieldIssue } from "@gateway/contracts";

/** The one error type routes throw; the error middleware turns it into the envelope. */
export class AppError extends Error {
  override name = "AppError";

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: { param?: string; details?: FieldIssue[] } = {},
  ) {
    super(message);
  }
}
