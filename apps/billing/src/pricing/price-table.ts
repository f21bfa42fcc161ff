import type { GatewayConfig } from "@gateway/contracts";
import { Prisma } from "../generated/prisma/client.ts";
import { ExactDecimal } from "./exact-decimal.ts";

export interface Costs {
  promptCost: Prisma.Decimal;
  completionCost: Prisma.Decimal;
  cost: Prisma.Decimal;
}

export interface PriceTable {
  /** The exact costs of a request, or undefined when the model has no configured price. */
  costOf(model: string, promptTokens: number, completionTokens: number): Costs | undefined;
}

export function createPriceTable(config: GatewayConfig): PriceTable {
  const prices = new Map(
    config.models.map((m) => [m.id, { prompt: new ExactDecimal(m.price.prompt_per_1k), completion: new ExactDecimal(m.price.completion_per_1k) }]),
  );
  return {
    costOf(model, promptTokens, completionTokens) {
      const price = prices.get(model);
      if (!price) return undefined;
      const prompt = price.prompt.mul(promptTokens).div(1000);
      const completion = price.completion.mul(completionTokens).div(1000);
      // The Decimal constructor keeps every digit of its input; only its operations round.
      return {
        promptCost: new Prisma.Decimal(prompt.toFixed()),
        completionCost: new Prisma.Decimal(completion.toFixed()),
        cost: new Prisma.Decimal(prompt.plus(completion).toFixed()),
      };
    },
  };
}

export const ZERO_COSTS: Costs = { promptCost: new Prisma.Decimal(0), completionCost: new Prisma.Decimal(0), cost: new Prisma.Decimal(0) };
