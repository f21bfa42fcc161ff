import type { GatewayConfig } from "@gateway/contracts";

/**
 * Exact money arithmetic without a decimal library: prices have at most 12 fraction digits and
 * token counts are integers, so a cost per 1k tokens is an integer number of 1e-15 units.
 * Billing (which stores these strings) and the edge (which reports them) share this, so the
 * cost in a response header is the cost on the bill, to the last digit.
 */
const SCALE = 15;
const PRICE_DIGITS = 12;

/** A non-negative decimal string with at most SCALE fraction digits, as integer 1e-15 units. */
export function toUnits(decimal: string, digits = SCALE): bigint {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(decimal);
  if (!match || (match[2]?.length ?? 0) > digits) throw new Error(`not a decimal with at most ${digits} fraction digits: ${decimal}`);
  return BigInt(match[1]! + (match[2] ?? "").padEnd(digits, "0")) * 10n ** BigInt(SCALE - digits);
}

/** Integer 1e-15 units as the shortest exact decimal string ("0.0445", "3", "0"). */
export function fromUnits(units: bigint): string {
  const digits = units.toString().padStart(SCALE + 1, "0");
  const whole = digits.slice(0, -SCALE);
  const fraction = digits.slice(-SCALE).replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole;
}

/** Exact sum of decimal strings. */
export const addDecimals = (...values: string[]): string => fromUnits(values.reduce((sum, v) => sum + toUnits(v), 0n));

export interface ExactCosts {
  prompt_cost: string;
  completion_cost: string;
  cost: string;
}

export interface Prices {
  /** Exact costs of a request, or undefined when the model has no configured price. */
  costOf(model: string, promptTokens: number, completionTokens: number): ExactCosts | undefined;
}

export function pricesOf(config: GatewayConfig): Prices {
  // A price per 1k tokens with 12 fraction digits, read at scale 12, is the price per token at scale 15.
  const table = new Map<string, { prompt: bigint; completion: bigint }>();
  for (const m of config.models) {
    const price = {
      prompt: toUnits(m.price.prompt_per_1k, PRICE_DIGITS) / 1000n,
      completion: toUnits(m.price.completion_per_1k, PRICE_DIGITS) / 1000n,
    };
    for (const name of [m.id, ...m.aliases]) table.set(name, price);
  }
  return {
    costOf(model, promptTokens, completionTokens) {
      const price = table.get(model);
      if (!price) return undefined;
      const prompt = price.prompt * BigInt(promptTokens);
      const completion = price.completion * BigInt(completionTokens);
      return { prompt_cost: fromUnits(prompt), completion_cost: fromUnits(completion), cost: fromUnits(prompt + completion) };
    },
  };
}
