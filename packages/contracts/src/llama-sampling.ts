import { z } from "zod";

/** The sampler names llama-server's `samplers` takes (common_sampler_types_from_names, canonical names). */
export const SAMPLER_NAMES = ["dry", "top_k", "top_p", "typ_p", "min_p", "temperature", "xtc", "infill", "penalties"] as const;

/** Most alternatives per token OpenAI's top_logprobs allows; llama.cpp's n_probs is held to the same. */
export const MAX_TOP_LOGPROBS = 20;

/**
 * llama.cpp's own sampling fields that a client may set, with their types and ranges checked here
 * (llama-server takes a wrong type as "use the default" and a wrong value as whatever it does),
 * passed on as they are. Anything else llama-server reads stays unknown (400), and `id_slot` is the
 * gateway's: slots are leased by the worker.
 */
export const LlamaSampling = {
  top_k: z.number().int().min(0).max(100_000).optional(),
  min_p: z.number().min(0).max(1).optional(),
  typical_p: z.number().min(0).max(1).optional(),
  repeat_penalty: z.number().min(0).max(10).optional(),
  /** Tokens the repeat penalty looks back over; -1 is the whole context, 0 turns it off. */
  repeat_last_n: z.number().int().min(-1).max(1_000_000).optional(),
  /** 0 off, 1 Mirostat, 2 Mirostat 2.0. */
  mirostat: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  mirostat_tau: z.number().min(0).max(100).optional(),
  mirostat_eta: z.number().min(0).max(1).optional(),
  dynatemp_range: z.number().min(0).max(2).optional(),
  samplers: z.array(z.enum(SAMPLER_NAMES)).min(1).max(SAMPLER_NAMES.length).optional(),
  n_probs: z.number().int().min(0).max(MAX_TOP_LOGPROBS).optional(),
  cache_prompt: z.boolean().optional(),
};

export const LLAMA_SAMPLING_FIELDS = Object.keys(LlamaSampling) as (keyof typeof LlamaSampling)[];

export const LlamaSamplingParams = z.object(LlamaSampling);
export type LlamaSamplingParams = z.infer<typeof LlamaSamplingParams>;
