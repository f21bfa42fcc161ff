import type { ErrorMessage, FinishReason, Usage } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { UnrecoverableError } from "@gateway/queue";

/**
 * What a finished inference job returns to BullMQ, which keeps it in the job's hash and its events
 * stream: a summary, never the text, so answers do not sit in Redis beyond the event log's retention.
 */
export type InferenceOutcome =
  | { finish_reason: FinishReason; usage: Usage }
  | { cancelled: true }
  | { embeddings: number }
  | { documents: number }
  | { choices: number; usage: Usage };

/** What every job kind's runner gets besides its payload. */
export interface JobRun {
  signal: AbortSignal;
  /** Which delivery of the BullMQ job this is: 2 after its first worker died. */
  attempt: number;
  log: Logger;
  sendError(fields: Omit<ErrorMessage, "type" | "request_id">): void;
  /**
   * Ends a job that will not run (or not finish) as unrecoverable: the client already has its
   * error, and the job leaves its model's pending set, which it may never have left otherwise.
   */
  refuse(fields: Omit<ErrorMessage, "type" | "request_id">): UnrecoverableError;
  leavePending(): void;
}
