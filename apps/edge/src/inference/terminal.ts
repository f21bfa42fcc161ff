import type { Prices } from "@gateway/config";
import type { ChatCompletion, ChunkMessage, ErrorMessage, RelayMessage, ResultMessage } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import type { SettledUsage } from "../limits/admission.ts";
import { withCost } from "../usage/usage-cost.ts";

/** Any job's last word: a chat job ends with a result or error, an embeddings job with embeddings or error. */
export type Terminal = Exclude<RelayMessage, ChunkMessage>;

/** The error a terminal error message becomes before any byte of the response was sent. */
export function toAppError(message: ErrorMessage): AppError {
  return new AppError(message.code, message.message, {
    ...(message.retry_after ? { retryAfter: message.retry_after } : {}),
    ...(message.param ? { param: message.param } : {}),
  });
}

/** What a job really used, from its last word: what its admission ticket settles to. */
export function settledUsage(message: Terminal | undefined): SettledUsage | undefined {
  return message?.type === "result" ? message.response.usage : message?.usage;
}

/** A job's answer as the client gets it: its usage with the cost. */
export type Answer<T extends ResultMessage["response"] = ResultMessage["response"]> = T extends unknown
  ? Omit<T, "usage"> & { usage: T["usage"] & { cost: string } }
  : never;
export type ChatAnswer = Answer<ChatCompletion>;

/**
 * A job's end as the client gets it: the completion (chat or legacy) or the rerank results with
 * their cost (exactly as billing computes it; a rerank has no completion tokens), or, for an
 * error, the AppError it becomes.
 */
export function chatAnswer(prices: Prices, end: ResultMessage | ErrorMessage): Answer {
  if (end.type === "error") throw toAppError(end);
  const { response } = end;
  const { usage } = response;
  const completion = "completion_tokens" in usage ? usage.completion_tokens : 0;
  const { cost } = withCost(prices, response.model, {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: completion,
    total_tokens: usage.total_tokens,
  });
  return { ...response, usage: { ...usage, cost } } as Answer;
}
