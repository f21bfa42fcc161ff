import { z } from "zod";

export const ModelCapability = z.enum(["chat", "embeddings"]);
export type ModelCapability = z.infer<typeof ModelCapability>;

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
  capabilities: z.array(ModelCapability),
  status: ModelStatus,
  /** Backends that are ready with a closed breaker, over all of the model's pools. */
  ready_backends: z.number().int().min(0),
  /** Tokens per request (prompt + completion): the configured override, else what the backends report. */
  context_length: z.number().int().nullable(),
  parameters: z.number().int().nullable(),
  /** Model file size in bytes. */
  size: z.number().int().nullable(),
  architecture: z.string().nullable(),
  quantization: z.string().nullable(),
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
