import { z } from "zod";
import { isStorableText, STORABLE_TEXT_MESSAGE } from "./text.ts";
import { ChatMessage } from "./chat-messages.ts";
import { FunctionTool, ResponseFormat, ToolChoice } from "./chat-tools.ts";
import { CompletionPrompt } from "./completions.ts";
import { EmbeddingEncoding, EmbeddingPrompt } from "./embeddings.ts";
import { LlamaSampling } from "./llama-sampling.ts";

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

/** Fields every job kind has: what routes its answer back, expires it and labels it. */
const JobEnvelope = {
  v: z.literal(1),
  request_id: z.string().min(1),
  model: z.string().min(1),
  caller: Caller,
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
  /** The client's own id for the request: a label for logs and the usage row, never a key. Optional: older edges never set it. */
  client_request_id: z.string().max(128).optional(),
  /** Nobody waits on the edge (an async job): it runs to its end even if that edge goes away. Optional: older edges. */
  detached: z.boolean().optional(),
};

/** What shapes a generation, chat or legacy: max_tokens is always resolved and bounded. */
const GenerationParams = {
  max_tokens: z.number().int().min(1),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  presence_penalty: z.number().optional(),
  frequency_penalty: z.number().optional(),
  seed: z.number().int().optional(),
  stop: z.array(z.string()).optional(),
  /** The fields below came with structured output and llama.cpp's sampling. Optional: older edges never set them. */
  json_schema: z.record(z.string(), z.unknown()).optional(),
  grammar: z.string().optional(),
  /** OpenAI's form (token id to bias); the worker sends llama-server the `[[id, bias]]` form it reads. */
  logit_bias: z.record(z.string(), z.number()).optional(),
  ...LlamaSampling,
};

/** Chat generation parameters after validation. */
export const ChatParams = z.object({
  messages: z.array(ChatMessage).min(1),
  ...GenerationParams,
  /** The fields below came with tools and logprobs. Optional: older edges never set them. */
  tools: z.array(FunctionTool).optional(),
  tool_choice: ToolChoice.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: ResponseFormat.optional(),
  logprobs: z.boolean().optional(),
  top_logprobs: z.number().int().min(0).optional(),
});
export type ChatParams = z.infer<typeof ChatParams>;

/**
 * The payload of a chat job on the "inference" queue (the name predates the other kinds). The
 * BullMQ job id is the request id. New fields must be optional until every job enqueued by an
 * older edge has drained.
 */
export const ChatJob = z.object({
  ...JobEnvelope,
  kind: z.literal("chat"),
  params: ChatParams,
  /** Whether the edge relays chunks as they come (it always gets the final result). */
  stream: z.boolean(),
  /** A conversation's turn: the worker queues the reply for storage when it ends. Optional: older edges never set it. */
  conversation_id: z.string().min(1).optional(),
  /** The client's `metadata`, kept with the job for operators, never sent to a backend. Optional: older edges never set it. */
  metadata: z.record(z.string(), z.string()).optional(),
});
export type ChatJob = z.infer<typeof ChatJob>;

/** An embeddings job on the "inference" queue: one response for all prompts, never streamed; its events_ttl_s also keeps the result body. */
export const EmbeddingsJob = z.object({
  ...JobEnvelope,
  kind: z.literal("embeddings"),
  prompts: z.array(EmbeddingPrompt).min(1),
  encoding_format: EmbeddingEncoding,
  /** Shorten each vector to this many dimensions (a model configured for it). Optional: older edges never set it. */
  dimensions: z.number().int().min(1).optional(),
});
export type EmbeddingsJob = z.infer<typeof EmbeddingsJob>;

/** A legacy text completion (`POST /v1/completions`): each prompt runs as its own generation, one choice each. */
export const CompletionJob = z.object({
  ...JobEnvelope,
  kind: z.literal("completion"),
  params: z.object({
    prompts: z.array(CompletionPrompt).min(1),
    ...GenerationParams,
    /** The prompt goes before the generated text (OpenAI's echo). */
    echo: z.boolean().optional(),
    /** Alternatives per token in OpenAI's legacy logprobs shape (0-5). */
    logprobs: z.number().int().min(0).optional(),
  }),
  stream: z.boolean(),
});
export type CompletionJob = z.infer<typeof CompletionJob>;

/** A rerank request (`POST /v1/rerank`) for the model's rerank pool: one small answer, never streamed. */
export const RerankJob = z.object({
  ...JobEnvelope,
  kind: z.literal("rerank"),
  query: z.string(),
  documents: z.array(z.string()).min(1),
  top_n: z.number().int().min(1).optional(),
  return_documents: z.boolean().optional(),
});
export type RerankJob = z.infer<typeof RerankJob>;

/** Everything the "inference" queue carries, told apart by `kind`. */
export const InferenceQueuePayload = z.discriminatedUnion("kind", [ChatJob, EmbeddingsJob, CompletionJob, RerankJob]);
export type InferenceQueuePayload = z.infer<typeof InferenceQueuePayload>;
