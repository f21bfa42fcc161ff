import { pricesOf } from "@gateway/config";
import type { GatewayConfig } from "@gateway/contracts";
import { Prisma } from "../generated/prisma/client.ts";

export interface Costs {
  promptCost: Prisma.Decimal;
  completionCost: Prisma.Decimal;
  cost: Prisma.Decimal;
}

export interface PriceTable {
  /** The exact costs of a request, or undefined when the model has no configured price. */
  costOf(model: string, promptTokens: number, completionTokens: number): Costs | undefined;
}

/**
 * The arithmetic is shared with the edge (`pricesOf`), so the cost a client is told is the cost
 * billed. The Decimal constructor keeps every digit of the exact strings it is given.
 */
export function createPriceTable(config: GatewayConfig): PriceTable {
  const prices = pricesOf(config);
  return {
    costOf(model, promptTokens, completionTokens) {
      const costs = prices.costOf(model, promptTokens, completionTokens);
      if (!costs) return undefined;
      return {
        promptCost: new Prisma.Decimal(costs.prompt_cost),
        completionCost: new Prisma.Decimal(costs.completion_cost),
        cost: new Prisma.Decimal(costs.cost),
      };
    },
  };
}

export const ZERO_COSTS: Costs = { promptCost: new Prisma.Decimal(0), completionCost: new Prisma.Decimal(0), cost: new Prisma.Decimal(0) };
