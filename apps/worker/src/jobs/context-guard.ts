import type { LlamaClient } from "../llama/llama-client.ts";

/** ChatML-style template tokens: `<|im_start|>role\n … <|im_end|>\n` per message; BOS and the reply header once. */
export const TEMPLATE_TOKENS_PER_MESSAGE = 5;
export const TEMPLATE_TOKENS_PER_PROMPT = 4;

export type ContextCheck = "bound" | "fits" | "exceeded" | "unknown";

export interface ContextVerdict {
  outcome: ContextCheck;
  /** The prompt's tokens, when they were counted. */
  tokens?: number;
}

/**
 * Whether a prompt of `text` plus `overhead` template tokens fits in `budget` tokens. Without a
 * round trip when even the worst case fits (with byte fallback a token is at least one UTF-8
 * byte), which is every ordinary prompt; otherwise exact content tokens from a backend's
 * /tokenize (no slot needed). "unknown" when no backend answers in time: the request then runs,
 * as it would have without the check.
 */
export async function promptFits(
  text: string,
  overhead: number,
  budget: number,
  tokenizers: readonly string[],
  client: Pick<LlamaClient, "tokenize">,
): Promise<ContextVerdict> {
  if (budget <= overhead) return { outcome: "exceeded" };
  if (Buffer.byteLength(text) + overhead <= budget) return { outcome: "bound" };
  for (const backend of tokenizers.slice(0, 2)) {
    const counted = await client.tokenize(backend, text);
    if (counted === undefined) continue;
    const tokens = counted + overhead;
    return { outcome: tokens <= budget ? "fits" : "exceeded", tokens };
  }
  return { outcome: "unknown" };
}
