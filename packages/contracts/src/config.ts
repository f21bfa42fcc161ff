import { z } from "zod";
import { TierName } from "./keys.ts";

/** Prices are decimal strings: money is never a binary float. */
const Price = z
  .union([z.string(), z.number()])
  .transform((v) => (typeof v === "number" ? v.toString() : v))
  .pipe(z.string().regex(/^\d+(\.\d{1,12})?$/, "must be a non-negative decimal with at most 12 fraction digits"));

const BackendUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ""));

export const ModelConfig = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, "must be 1-128 characters of letters, digits and ._:/-"),
    /** Other names clients may use for this model (e.g. "gpt-3.5-turbo" for drop-in clients). */
    aliases: z.array(z.string().min(1).max(128)).default([]),
    /** llama-server base URLs serving chat completions for this model. */
    backends: z.array(BackendUrl).default([]),
    /** llama-server base URLs serving embeddings (a server started with --embeddings may serve only those). */
    embedding_backends: z.array(BackendUrl).default([]),
    /** llama-server base URLs started with --reranking and a reranking model, for /v1/rerank. */
    rerank_backends: z.array(BackendUrl).default([]),
    /** The chat backends load a vision projector (--mmproj): image parts are accepted. Unset: what their /props report. */
    vision: z.boolean().optional(),
    /** false for chat backends started without --jinja, which cannot take tools: tools are then refused with a 400. */
    function_calling: z.boolean().default(true),
    /**
     * Dimensions `/v1/embeddings` may shorten this model's vectors to (a Matryoshka-trained model): the
     * worker cuts each vector and normalises it again. Unset: `dimensions` is refused (llama-server ignores it).
     */
    embedding_dimensions: z.array(z.number().int().min(1)).min(1).optional(),
    /** An upper bound on the prompt tokens one image costs on this model (admission reserves it per image). */
    image_tokens: z.number().int().min(1).default(2_048),
    /** Facts the backends do not report (llama-server tells neither layers nor heads); backends' own figures win. */
    details: z
      .strictObject({
        architecture: z.string().min(1),
        parameters: z.number().int().min(0),
        quantization: z.string().min(1),
        n_layer: z.number().int().min(1),
        n_head: z.number().int().min(1),
        n_head_kv: z.number().int().min(1),
      })
      .partial()
      .default({}),
    /** Largest max_tokens a request may ask for; also the default when a request omits it. */
    max_output_tokens: z.number().int().min(1).default(1024),
    /** Overrides the context length the backends report. */
    context_length: z.number().int().min(1).optional(),
    price: z.strictObject({ prompt_per_1k: Price, completion_per_1k: Price }).default({ prompt_per_1k: "0", completion_per_1k: "0" }),
  })
  .refine(
    (m) => m.backends.length + m.embedding_backends.length + m.rerank_backends.length > 0,
    "a model needs at least one backend (backends, embedding_backends or rerank_backends)",
  );
export type ModelConfig = z.infer<typeof ModelConfig>;

/** What a tier may do. Limits are per API key. */
export const TierConfig = z.strictObject({
  requests_per_minute: z.number().int().min(1),
  tokens_per_day: z.number().int().min(1),
  /** Largest max_tokens a request of this tier may ask for. */
  max_tokens: z.number().int().min(1),
  max_concurrent: z.number().int().min(1),
  /** Queue priority: 1 is served first (BullMQ's convention). */
  priority: z.number().int().min(1).max(2_097_152),
});
export type TierConfig = z.infer<typeof TierConfig>;

export const DEFAULT_TIERS: Record<string, TierConfig> = {
  free: { requests_per_minute: 10, tokens_per_day: 10_000, max_tokens: 2_048, max_concurrent: 2, priority: 30 },
  premium: { requests_per_minute: 60, tokens_per_day: 1_000_000, max_tokens: 4_096, max_concurrent: 8, priority: 20 },
  enterprise: { requests_per_minute: 600, tokens_per_day: 10_000_000, max_tokens: 8_192, max_concurrent: 32, priority: 10 },
};

/** The deployment's models, pools and tiers, shared by edge, worker and billing. */
export const GatewayConfig = z.strictObject({
  models: z
    .array(ModelConfig)
    .min(1, "configure at least one model")
    .refine((ms) => {
      const names = ms.flatMap((m) => [m.id, ...m.aliases]);
      return new Set(names).size === names.length;
    }, "model ids and aliases must be unique"),
  /** Longest accepted message content, in characters. */
  max_content_chars: z.number().int().min(1).default(32_768),
  tiers: z.record(TierName, TierConfig).default(DEFAULT_TIERS),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;
