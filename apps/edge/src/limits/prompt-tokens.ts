import type { ChatMessage, GatewayConfig } from "@gateway/contracts";
import { modelIndex } from "../models/model-index.ts";

/**
 * Room for a chat template's markers around each message and before the reply (ChatML spends
 * about 5 per message and 3 at the end); generous, so a count stays an upper bound.
 */
const MESSAGE_OVERHEAD = 8;
const PROMPT_OVERHEAD = 8;

/**
 * An upper bound on a prompt's tokens without asking the model: every tokenizer llama.cpp runs
 * (BPE, SentencePiece with byte fallback) spends at least one byte per token. Loose for English
 * (about 4 bytes a token), but a reservation must never be lower than the real use, or concurrent
 * requests could together pass the budget.
 */
export function promptTokensUpperBound(messages: readonly ChatMessage[]): number {
  let total = PROMPT_OVERHEAD;
  for (const m of messages)
    total += MESSAGE_OVERHEAD + Buffer.byteLength(m.content, "utf8") + (m.name ? Buffer.byteLength(m.name, "utf8") : 0);
  return total;
}

export type TokenizedCount = (model: string, messages: readonly ChatMessage[]) => Promise<number | undefined>;

/**
 * The prompt's tokens as the model's own tokenizer counts them (a backend's POST /tokenize), plus
 * the template allowance. Costs a backend round trip, so admission asks only when the upper bound
 * does not fit the remaining budget. Undefined when no backend answers in time.
 */
export function tokenizedCount(config: GatewayConfig, timeoutMs: number): TokenizedCount {
  const models = modelIndex(config);
  return async (model, messages) => {
    const signal = AbortSignal.timeout(timeoutMs);
    for (const backend of models.get(model)?.backends ?? []) {
      try {
        const res = await fetch(`${backend}/tokenize`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ content: messages.map((m) => m.content).join("\n") }),
          signal,
        });
        const body = (await res.json()) as { tokens?: unknown };
        if (res.ok && Array.isArray(body.tokens)) return PROMPT_OVERHEAD + messages.length * MESSAGE_OVERHEAD + body.tokens.length;
      } catch {
        if (signal.aborted) return undefined;
      }
    }
    return undefined;
  };
}
