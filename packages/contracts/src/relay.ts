import { z } from "zod";
import { ChatCompletion, ChatCompletionChunk, Usage } from "./chat-response.ts";
import { TextCompletion, TextCompletionChunk } from "./completions.ts";
import { EmbeddingsUsage } from "./embeddings.ts";
import { RerankResponse } from "./rerank.ts";
import { ErrorCode } from "./errors.ts";

/**
 * Messages on Redis pub/sub between workers and the edge. `seq` numbers the chunks of one
 * request from 0 so a receiver can tell a gap or a replay.
 */

/**
 * On a job's last word: milliseconds the worker spent in llama-server calls for it (every
 * attempt), so the edge can tell its own overhead from backend time. Optional: older workers.
 */
const BackendMs = z.number().min(0).optional();
export const ChunkMessage = z.object({
  type: z.literal("chunk"),
  request_id: z.string(),
  seq: z.number().int().min(0),
  /** A chat completion's chunk, or a legacy text completion's: the edge relays either as it is. */
  chunk: z.discriminatedUnion("object", [ChatCompletionChunk, TextCompletionChunk]),
  /**
   * Which delivery of the job produced it (BullMQ's attemptsStarted): a job re-delivered after its
   * worker died starts again at seq 0, so a receiver must not splice two attempts. Optional for
   * messages from older workers.
   */
  attempt: z.number().int().min(1).optional(),
});
export type ChunkMessage = z.infer<typeof ChunkMessage>;

export const ResultMessage = z.object({
  type: z.literal("result"),
  request_id: z.string(),
  /** The whole answer of a chat, legacy completion or rerank job, as the client gets it (the edge adds the cost). */
  response: z.discriminatedUnion("object", [ChatCompletion, TextCompletion, RerankResponse]),
  backend_ms: BackendMs,
});
export type ResultMessage = z.infer<typeof ResultMessage>;

export const ErrorMessage = z.object({
  type: z.literal("error"),
  request_id: z.string(),
  code: ErrorCode,
  message: z.string(),
  /** The request field at fault, for a 400 found by the worker (an image it could not fetch). Optional: older workers. */
  param: z.string().optional(),
  /** Seconds the client should wait before retrying, for 503s. */
  retry_after: z.number().int().min(1).optional(),
  /** What was produced (and billed) before the failure, if anything. */
  usage: Usage.optional(),
  backend_ms: BackendMs,
});
export type ErrorMessage = z.infer<typeof ErrorMessage>;

/** An embeddings job's end: the body waits under `key` (embeddingsResultKey), too large for pub/sub. */
export const EmbeddingsResultMessage = z.object({
  type: z.literal("embeddings"),
  request_id: z.string(),
  key: z.string(),
  usage: EmbeddingsUsage,
  backend_ms: BackendMs,
});
export type EmbeddingsResultMessage = z.infer<typeof EmbeddingsResultMessage>;

export const RelayMessage = z.discriminatedUnion("type", [ChunkMessage, ResultMessage, ErrorMessage, EmbeddingsResultMessage]);
export type RelayMessage = z.infer<typeof RelayMessage>;

/** Published by the edge when nobody wants a request's output any more. */
export const CancelMessage = z.object({
  request_id: z.string(),
  reason: z.enum(["client_disconnected", "timeout", "cancelled"]),
});
export type CancelMessage = z.infer<typeof CancelMessage>;

/** The chat completion a chat job's result carries; undefined for another kind's result. */
export function chatCompletionOf(message: ResultMessage): ChatCompletion | undefined {
  return message.response.object === "chat.completion" ? message.response : undefined;
}
