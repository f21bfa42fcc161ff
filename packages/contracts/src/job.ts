import { z } from "zod";
import { isStorableText, STORABLE_TEXT_MESSAGE } from "./text.ts";
import { ChatMessage } from "./chat.ts";
import { EmbeddingEncoding, EmbeddingPrompt } from "./embeddings.ts";

/** Only http(s): a webhook must never make the gateway open a file, gopher or other URL. */
export const WebhookUrl = z
  .url({ protocol: /^https?$/ })
  .max(2_000)
  .refine(isStorableText, STORABLE_TEXT_MESSAGE);

/**
 * The versions of the tenant's webhook signing secret a delivery is signed with: the current one,
 * then the previous one while its rotation grace lasts (receivers may know either).
 */
export const WebhookKeyVersions = z.array(z.number().int().min(1)).min(1).max(2);
export type WebhookKeyVersions = z.infer<typeof WebhookKeyVersions>;

/** Who a job is run for: copied into usage events so billing never has to look it up. */
export const Caller = z.object({
  tenant_id: z.string().min(1),
  key_id: z.string().min(1),
  tier: z.string().min(1),
});
export type Caller = z.infer<typeof Caller>;

/** Generation parameters after validation: max_tokens is always resolved and bounded. */
export const ChatParams = z.object({
  messages: z.array(ChatMessage).min(1),
  max_tokens: z.number().int().min(1),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  presence_penalty: z.number().optional(),
  frequency_penalty: z.number().optional(),
  seed: z.number().int().optional(),
  stop: z.array(z.string()).optional(),
});
export type ChatParams = z.infer<typeof ChatParams>;

/**
 * The payload of a chat job on the "inference" queue (the name predates embeddings jobs). The
 * BullMQ job id is the request id. New fields must be optional until every job enqueued by an
 * older edge has drained.
 */
export const ChatJob = z.object({
  v: z.literal(1),
  kind: z.literal("chat"),
  request_id: z.string().min(1),
  model: z.string().min(1),
  caller: Caller,
  params: ChatParams,
  /** Whether the edge relays chunks as they come (it always gets the final result). */
  stream: z.boolean(),
  /** The edge instance's relay channel: results go back only to the process that waits. */
  reply_to: z.string().min(1),
  /** Epoch ms when the edge accepted the request; a job past its deadline is not started. */
  accepted_at: z.number().int(),
  deadline_at: z.number().int(),
  /** Seconds to keep every relay message in the request's event log (replay, resume); unset: pub/sub only. Optional: older edges never set it. */
  events_ttl_s: z.number().int().min(1).optional(),
  /** An async job's webhook: the worker queues a signed delivery when the job ends. Optional: older edges never set it. */
  webhook_url: WebhookUrl.optional(),
  /** With webhook_url: which of the tenant's signing secrets sign the delivery. Optional: older edges never set it. */
  webhook_key_versions: WebhookKeyVersions.optional(),
  /** A conversation's turn: the worker queues the reply for storage when it ends. Optional: older edges never set it. */
  conversation_id: z.string().min(1).optional(),
  /** The client's own id for the request: a label for logs and the usage row, never a key. Optional: older edges never set it. */
  client_request_id: z.string().max(128).optional(),
  /** Nobody waits on the edge (an async job): it runs to its end even if that edge goes away. Optional: older edges. */
  detached: z.boolean().optional(),
});
export type ChatJob = z.infer<typeof ChatJob>;

/** An embeddings job on the "inference" queue: one response for all prompts, never streamed. */
export const EmbeddingsJob = z.object({
  v: z.literal(1),
  kind: z.literal("embeddings"),
  request_id: z.string().min(1),
  model: z.string().min(1),
  caller: Caller,
  prompts: z.array(EmbeddingPrompt).min(1),
  encoding_format: EmbeddingEncoding,
  reply_to: z.string().min(1),
  accepted_at: z.number().int(),
  deadline_at: z.number().int(),
  /** As on a chat job; also how long the embeddings result body is kept. */
  events_ttl_s: z.number().int().min(1).optional(),
  webhook_url: WebhookUrl.optional(),
  webhook_key_versions: WebhookKeyVersions.optional(),
  client_request_id: z.string().max(128).optional(),
  detached: z.boolean().optional(),
});
export type EmbeddingsJob = z.infer<typeof EmbeddingsJob>;

/** Everything the "inference" queue carries, told apart by `kind`. */
export const InferenceQueuePayload = z.discriminatedUnion("kind", [ChatJob, EmbeddingsJob]);
export type InferenceQueuePayload = z.infer<typeof InferenceQueuePayload>;
