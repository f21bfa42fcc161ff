import type { TierConfig } from "@gateway/contracts";
import { AppError } from "@gateway/http";

/** 400 naming the limit when a request asks for more tokens than its tier allows (the model's own cap is checked by the contract). */
export function assertTierMaxTokens(
  request: { max_tokens?: number | undefined; max_completion_tokens?: number | undefined },
  tierName: string,
  tier: TierConfig | undefined,
): void {
  if (!tier) return;
  for (const field of ["max_completion_tokens", "max_tokens"] as const) {
    const value = request[field];
    if (value !== undefined && value > tier.max_tokens) {
      throw new AppError("max_tokens_exceeded", `${field} must be at most ${tier.max_tokens} for this API key's '${tierName}' tier`, {
        param: field,
      });
    }
  }
}
