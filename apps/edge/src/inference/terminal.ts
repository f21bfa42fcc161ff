import type { Prices } from "@gateway/config";
import type { ChatCompletion, ChunkMessage, ErrorMessage, RelayMessage, ResultMessage, UsageWithCost } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import type { SettledUsage } from "../limits/admission.ts";
import { withCost } from "../usage/usage-cost.ts";

/** Any job's last word: a chat job ends with a result or error, an embeddings job with embeddings or error. */
export type Terminal = Exclude<RelayMessage, ChunkMessage>;

/** The error a terminal error message becomes before any byte of the response was sent. */
export function toAppError(message: ErrorMessage): AppError {
  return new AppError(message.code, message.message, message.retry_after ? { retryAfter: message.retry_after } : {});
}

/** What a job really used, from its last word: what its admission ticket settles to. */
export function settledUsage(message: Terminal | undefined): SettledUsage | undefined {
  return message?.type === "result" ? message.response.usage : message?.usage;
}

export type ChatAnswer = ChatCompletion & { usage: UsageWithCost };

/**
 * A chat job's end as the client gets it: the completion with its cost (exactly as billing
 * computes it), or, for an error, the AppError it becomes.
 */
export function chatAnswer(prices: Prices, end: ResultMessage | ErrorMessage): ChatAnswer {
  if (end.type === "error") throw toAppError(end);
  return { ...end.response, usage: withCost(prices, end.response.model, end.response.usage) };
}
