import { z } from "zod";

/** A backend pool of a model: which requests its backends take. */
export const ModelCapability = z.enum(["chat", "embeddings", "rerank"]);
export type ModelCapability = z.infer<typeof ModelCapability>;

/** What a client may ask a model for: true when the model has the pool for it and, where it matters, its backends can. */
export const ModelCapabilities = z.object({
  chat: z.boolean(),
  /** Legacy text completions (`/v1/completions`), served by the chat pool. */
  completion: z.boolean(),
  embeddings: z.boolean(),
  rerank: z.boolean(),
  /** `tools` are accepted (the configuration says false for backends started without --jinja). */
  function_calling: z.boolean(),
  /** image_url parts are accepted: the configuration says so, or a backend reports vision in /props. */
  vision: z.boolean(),
  /** Structured output (json_object, json_schema, grammar): llama.cpp enforces it with a grammar. */
  json_schema: z.boolean(),
});
export type ModelCapabilities = z.infer<typeof ModelCapabilities>;

/** The model's facts: what the backends report, else the configuration's `details`; null when neither says. */
export const ModelDetails = z.object({
  architecture: z.string().nullable(),
  parameters: z.number().int().nullable(),
  /** Tokens per request (prompt + completion): the configured override, else what the backends report per slot. */
  context_length: z.number().int().nullable(),
  /** Context the model was trained with (llama-server's n_ctx_train). */
  training_context_length: z.number().int().nullable(),
  embedding_dim: z.number().int().nullable(),
  vocab_size: z.number().int().nullable(),
  quantization: z.string().nullable(),
  /** Model file size in bytes. */
  file_size: z.number().int().nullable(),
  n_layer: z.number().int().nullable(),
  n_head: z.number().int().nullable(),
  n_head_kv: z.number().int().nullable(),
});
export type ModelDetails = z.infer<typeof ModelDetails>;

/** What a worker's prober saw last: "loading" is llama-server's 503 "Loading model", never a failure. */
export const BackendState = z.enum(["unknown", "loading", "ready", "down"]);
export type BackendState = z.infer<typeof BackendState>;

/** A worker's circuit breaker for one backend (opossum's closed, open, half-open). */
export const BreakerState = z.enum(["closed", "open", "half_open"]);
export type BreakerState = z.infer<typeof BreakerState>;

/**
 * ready: every backend serves; degraded: some do; loading: none serves yet, one is loading its
 * model; down: none serves (or no worker reported on it recently).
 */
export const ModelStatus = z.enum(["ready", "loading", "degraded", "down"]);
export type ModelStatus = z.infer<typeof ModelStatus>;

/** OpenAI's model object plus what a gateway client needs to pick and size a model. */
export const ModelObject = z.object({
  id: z.string(),
  object: z.literal("model"),
  created: z.number().int(),
  owned_by: z.string(),
  aliases: z.array(z.string()),
  capabilities: ModelCapabilities,
  status: ModelStatus,
  /** Backends that are ready with a closed breaker, over all of the model's pools. */
  ready_backends: z.number().int().min(0),
  details: ModelDetails,
});
export type ModelObject = z.infer<typeof ModelObject>;

export const ModelList = z.object({ object: z.literal("list"), data: z.array(ModelObject) });
export type ModelList = z.infer<typeof ModelList>;

/**
 * One backend of a model as clients see it: named by pool and position in the configuration
 * (e.g. "chat-1"), never by its internal URL, which stays in operators' metrics and logs.
 */
export const ModelBackend = z.object({
  id: z.string(),
  capability: ModelCapability,
  state: BackendState,
  /** The worst state any live worker's breaker is in; null when no worker reported on it. */
  breaker: BreakerState.nullable(),
  slots: z.number().int().nullable(),
  busy_slots: z.number().int().nullable(),
});
export type ModelBackend = z.infer<typeof ModelBackend>;

export const ModelDetail = ModelObject.extend({ backends: z.array(ModelBackend) });
export type ModelDetail = z.infer<typeof ModelDetail>;
