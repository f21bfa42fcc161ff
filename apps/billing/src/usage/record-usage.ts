import type { ExactCosts, Prices } from "@gateway/config";
import type { UsageEvent } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { BillingMetrics } from "./billing-metrics.ts";
import type { NewUsageRecord } from "./usage-repository.ts";

export interface RecordUsageDeps {
  /** Writes the rows whose request_id is not billed yet, in one statement; returns the ids it wrote. */
  insertMany: (records: readonly NewUsageRecord[]) => Promise<Set<string>>;
  /** Shared with the edge, so the cost a client is told is the cost billed, to the last digit. */
  prices: Prices;
  metrics: BillingMetrics;
  logger: Logger;
  now?: () => number;
}

const ZERO_COSTS: ExactCosts = { prompt_cost: "0", completion_cost: "0", cost: "0" };

/** Bills a batch of usage events, one row per request_id; resolves with how many were new. Database errors propagate, so the batch is tried again. */
export type RecordUsage = (events: readonly UsageEvent[]) => Promise<{ billed: number }>;

export function createRecordUsage({ insertMany, prices, metrics, logger, now = Date.now }: RecordUsageDeps): RecordUsage {
  return async (events) => {
    if (events.length === 0) return { billed: 0 };
    // A lost usage row is worse than an unpriced one: keep the tokens, bill 0, make it visible.
    const priced = events.map((event) => prices.costOf(event.model, event.prompt_tokens, event.completion_tokens));
    const written = await insertMany(events.map((event, i) => toRecord(event, priced[i] ?? ZERO_COSTS)));
    // Counted only after the rows are committed, so the series never run ahead of the database. A
    // repeat of an id earlier in the batch is a duplicate too: the first one is the one billed.
    const counted = new Set<string>();
    events.forEach((event, i) => {
      if (!written.has(event.request_id) || counted.has(event.request_id)) {
        metrics.duplicates.inc();
        logger.debug({ request_id: event.request_id }, "usage already billed");
        return;
      }
      counted.add(event.request_id);
      const costs = priced[i];
      if (!costs) {
        metrics.unpriced.inc({ model: event.model });
        logger.warn({ model: event.model, request_id: event.request_id }, "usage for a model without a price: billed at 0");
      }
      metrics.events.inc({ outcome: event.outcome });
      const { tier } = event.caller;
      metrics.tokens.inc({ model: event.model, tier, kind: "prompt" }, event.prompt_tokens);
      metrics.tokens.inc({ model: event.model, tier, kind: "completion" }, event.completion_tokens);
      metrics.cost.inc({ model: event.model, tier }, Number((costs ?? ZERO_COSTS).cost));
      metrics.lag.observe(Math.max(0, now() - Date.parse(event.finished_at)) / 1000);
    });
    return { billed: counted.size };
  };
}

function toRecord(event: UsageEvent, costs: ExactCosts): NewUsageRecord {
  return {
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
  };
}
