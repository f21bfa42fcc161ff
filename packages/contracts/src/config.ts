import { z } from "zod";

/** Prices are decimal strings: money is never a binary float. */
const Price = z
  .union([z.string(), z.number()])
  .transform((v) => (typeof v === "number" ? v.toString() : v))
  .pipe(z.string().regex(/^\d+(\.\d{1,12})?$/, "must be a non-negative decimal with at most 12 fraction digits"));

const BackendUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ""));

export const ModelConfig = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, "must be 1-128 characters of letters, digits and ._:/-"),
  /** llama-server base URLs serving chat completions for this model. */
  backends: z.array(BackendUrl).min(1, "a model needs at least one backend"),
  /** Largest max_tokens a request may ask for; also the default when a request omits it. */
  max_output_tokens: z.number().int().min(1).default(1024),
  context_length: z.number().int().min(1).optional(),
  price: z
    .strictObject({ prompt_per_1k: Price, completion_per_1k: Price })
    .default({ prompt_per_1k: "0", completion_per_1k: "0" }),
});
export type ModelConfig = z.infer<typeof ModelConfig>;

/** The deployment's models and pools, shared by edge, worker and billing. */
export const GatewayConfig = z.strictObject({
  models: z
    .array(ModelConfig)
    .min(1, "configure at least one model")
    .refine((ms) => new Set(ms.map((m) => m.id)).size === ms.length, "model ids must be unique"),
  /** Longest accepted message content, in characters. */
  max_content_chars: z.number().int().min(1).default(32_768),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;
