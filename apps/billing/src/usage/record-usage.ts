import type { ExactCosts, Prices } from "@gateway/config";
import type { UsageEvent } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { BillingMetrics } from "./billing-metrics.ts";
import type { NewUsageRecord } from "./usage-repository.ts";

export interface RecordUsageDeps {
  /** Writes the row unless its request_id is already billed; false means it was a repeat. */
  insert: (record: NewUsageRecord) => Promise<boolean>;
  /** Shared with the edge, so the cost a client is told is the cost billed, to the last digit. */
  prices: Prices;
  metrics: BillingMetrics;
  logger: Logger;
  now?: () => number;
}

const ZERO_COSTS: ExactCosts = { prompt_cost: "0", completion_cost: "0", cost: "0" };

export type RecordUsage = (event: UsageEvent) => Promise<{ billed: boolean }>;

/** Bills one usage event exactly once per request_id. Database errors propagate so the job is retried. */
export function createRecordUsage({ insert, prices, metrics, logger, now = Date.now }: RecordUsageDeps): RecordUsage {
  return async (event) => {
    const priced = prices.costOf(event.model, event.prompt_tokens, event.completion_tokens);
    // A lost usage row is worse than an unpriced one: keep the tokens, bill 0, make it visible.
    const costs = priced ?? ZERO_COSTS;
    const billed = await insert({
      requestId: event.request_id,
      tenantId: event.caller.tenant_id,
      keyId: event.caller.key_id,
      tier: event.caller.tier,
      model: event.model,
      promptTokens: event.prompt_tokens,
      completionTokens: event.completion_tokens,
      outcome: event.outcome,
      backend: event.backend ?? null,
      clientRequestId: event.client_request_id ?? null,
      kind: event.kind ?? null,
      startedAt: new Date(event.started_at),
      finishedAt: new Date(event.finished_at),
      promptCost: costs.prompt_cost,
      completionCost: costs.completion_cost,
      cost: costs.cost,
    });
    if (!billed) {
      metrics.duplicates.inc();
      logger.debug({ request_id: event.request_id }, "usage already billed");
      return { billed };
    }
    // Counted only after the row is committed, so the series never run ahead of the database.
    if (!priced) {
      metrics.unpriced.inc({ model: event.model });
      logger.warn({ model: event.model, request_id: event.request_id }, "usage for a model without a price: billed at 0");
    }
    metrics.events.inc({ outcome: event.outcome });
    const { tier } = event.caller;
    metrics.tokens.inc({ model: event.model, tier, kind: "prompt" }, event.prompt_tokens);
    metrics.tokens.inc({ model: event.model, tier, kind: "completion" }, event.completion_tokens);
    metrics.cost.inc({ model: event.model, tier }, Number(costs.cost));
    metrics.lag.observe(Math.max(0, now() - Date.parse(event.finished_at)) / 1000);
    return { billed };
  };
}
