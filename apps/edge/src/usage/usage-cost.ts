import type { Prices } from "@gateway/config";
import type { Usage, UsageWithCost } from "@gateway/contracts";

/**
 * A completion's usage with its cost, computed exactly as billing computes it, so the number a
 * client sees is the number on the bill. A model without a price costs "0" (billing bills it at 0).
 */
export function withCost(prices: Prices, model: string, usage: Usage): UsageWithCost {
  return { ...usage, cost: prices.costOf(model, usage.prompt_tokens, usage.completion_tokens)?.cost ?? "0" };
}
