import { imageCount, messageText, type ChatMessage, type GatewayConfig } from "@gateway/contracts";
import { modelIndex } from "../models/model-index.ts";

/**
 * Room for a chat template's markers around each message and before the reply (ChatML spends
 * about 5 per message and 3 at the end); generous, so a count stays an upper bound.
 */
const MESSAGE_OVERHEAD = 8;
const PROMPT_OVERHEAD = 8;
/**
 * What a template adds when tools are offered, beyond their JSON: llama.cpp's formats add
 * instructions and repeat the tools' schemas in a system message (b4748's Generic format spent
 * about 570 tokens on one small tool). Generous, as every allowance here.
 */
const TOOLS_ALLOWANCE = 1_024;
const TOOLS_JSON_REPEATS = 3;

/** What besides the messages' text takes room in a chat prompt. */
export interface PromptExtras {
  tools?: readonly unknown[] | undefined;
  /** Upper bound of one image's tokens (the model's `image_tokens`). */
  imageTokens?: number | undefined;
}

const DEFAULT_IMAGE_TOKENS = 2_048;

function extrasAllowance(messages: readonly ChatMessage[], extras: PromptExtras): number {
  let total = 0;
  const images = imageCount(messages);
  if (images > 0) total += images * (extras.imageTokens ?? DEFAULT_IMAGE_TOKENS);
  if (extras.tools && extras.tools.length > 0)
    total += TOOLS_ALLOWANCE + TOOLS_JSON_REPEATS * Buffer.byteLength(JSON.stringify(extras.tools), "utf8");
  return total;
}

/**
 * An upper bound on a prompt's tokens without asking the model: every tokenizer llama.cpp runs
 * (BPE, SentencePiece with byte fallback) spends at least one byte per token. Loose for English
 * (about 4 bytes a token), but a reservation must never be lower than the real use, or concurrent
 * requests could together pass the budget. Every text of a message counts (tool calls, names),
 * images at the model's bound each, tools at their JSON and the template's allowance.
 */
export function promptTokensUpperBound(messages: readonly ChatMessage[], extras: PromptExtras = {}): number {
  let total = PROMPT_OVERHEAD;
  for (const m of messages) total += MESSAGE_OVERHEAD + Buffer.byteLength(messageText(m), "utf8");
  return total + extrasAllowance(messages, extras);
}

export type TokenizedCount = (model: string, messages: readonly ChatMessage[], extras?: PromptExtras) => Promise<number | undefined>;

/**
 * The prompt's tokens as the model's own tokenizer counts them (a backend's POST /tokenize), plus
 * the template, image and tools allowances. Costs a backend round trip, so admission asks only
 * when the upper bound does not fit the remaining budget. Undefined when no backend answers in time.
 */
export function tokenizedCount(config: GatewayConfig, timeoutMs: number): TokenizedCount {
  const models = modelIndex(config);
  return async (model, messages, extras = {}) => {
    const signal = AbortSignal.timeout(timeoutMs);
    const content = messages.map(messageText).join("\n");
    for (const backend of models.get(model)?.backends ?? []) {
      try {
        const res = await fetch(`${backend}/tokenize`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ content }),
          signal,
        });
        const body = (await res.json()) as { tokens?: unknown };
        if (res.ok && Array.isArray(body.tokens))
          return PROMPT_OVERHEAD + messages.length * MESSAGE_OVERHEAD + body.tokens.length + extrasAllowance(messages, extras);
      } catch {
        if (signal.aborted) return undefined;
      }
    }
    return undefined;
  };
}
