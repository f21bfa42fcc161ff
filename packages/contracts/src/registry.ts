import { z } from "zod";
import { BackendState, BreakerState } from "./models.ts";

const count = z.number().int().min(0);

/** What a backend told a worker's prober about its model (`/props`, `/v1/models`), where it did. */
export const BackendMeta = z.object({
  /** Context per slot (llama-server's n_ctx / -np): the longest prompt + completion one request may have. */
  n_ctx: count.optional(),
  n_ctx_train: count.optional(),
  n_params: count.optional(),
  /** Model file size in bytes. */
  size: count.optional(),
  n_vocab: count.optional(),
  n_embd: count.optional(),
  model_path: z.string().optional(),
  /** Whether the model ships a chat template (without one llama-server falls back to ChatML). */
  chat_template: z.boolean().optional(),
  /** Inferred from the model file name (e.g. "Q4_K_M"), as llama-server does not report them. */
  architecture: z.string().optional(),
  quantization: z.string().optional(),
  /** `/props` build_info, e.g. "b4748-c392e5094": what the build can do (streamed tool calls). */
  build: z.string().optional(),
  /** `/props` modalities.vision (newer builds): a vision projector is loaded. */
  vision: z.boolean().optional(),
  /** The chat template knows the `developer` role; otherwise developer messages are sent as system. */
  developer_role: z.boolean().optional(),
  /**
   * Whether the build streams tool calls: false for builds known not to (b4748 answers 500 "Cannot
   * use tools with stream"), or once a backend refused; unset: try, and learn from a refusal.
   */
  streamed_tools: z.boolean().optional(),
});
export type BackendMeta = z.infer<typeof BackendMeta>;

export const BackendSnapshot = z.object({
  url: z.string(),
  state: BackendState,
  breaker: BreakerState,
  slots: count,
  /** Slots `/slots` showed processing at the last probe; null when the build has no /slots. */
  busy: count.nullable(),
  /** Slot leases held on it by every worker together (the cross-replica semaphore). */
  leased: count,
  probed_at: z.number().int(),
  meta: BackendMeta,
});
export type BackendSnapshot = z.infer<typeof BackendSnapshot>;

export const ModelSnapshot = z.object({
  id: z.string(),
  chat: z.array(z.string()),
  embeddings: z.array(z.string()),
  /** Optional: older workers have no rerank pools. */
  rerank: z.array(z.string()).optional(),
  /** Recent mean time a job of this model held a slot (ms), for the edge's queue-wait estimate. */
  service_ms: z.number().min(0).nullable(),
});
export type ModelSnapshot = z.infer<typeof ModelSnapshot>;

/**
 * One worker's view of the pools, refreshed every probe round in the registry hash under its
 * worker id. Readers ignore entries whose `at` is older than their staleness bound.
 */
export const WorkerRegistry = z.object({
  v: z.literal(1),
  worker_id: z.string(),
  /** Epoch ms of this snapshot: the registry's heartbeat. */
  at: z.number().int(),
  backends: z.array(BackendSnapshot),
  models: z.array(ModelSnapshot),
});
export type WorkerRegistry = z.infer<typeof WorkerRegistry>;
