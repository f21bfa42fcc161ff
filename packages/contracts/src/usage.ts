import { z } from "zod";
import { Caller } from "./job.ts";

export const UsageOutcome = z.enum(["succeeded", "failed", "cancelled"]);
export type UsageOutcome = z.infer<typeof UsageOutcome>;

/**
 * One per finished request that produced or consumed tokens. Billing writes exactly one row
 * per request_id; a repeat of the same event is a no-op.
 */
export const UsageEvent = z.object({
  v: z.literal(1),
  request_id: z.string().min(1),
  caller: Caller,
  model: z.string().min(1),
  // Bounded so that their sum fits billing's integer columns: an event Postgres would refuse
  // would hold up every event behind it.
  prompt_tokens: z.number().int().min(0).max(1_000_000_000),
  completion_tokens: z.number().int().min(0).max(1_000_000_000),
  outcome: UsageOutcome,
  /** Backend base URL that served it (for operators; not a metric label). */
  backend: z.string().optional(),
  /**
   * What the backend did: llama-server counts a generation's prompt (chat, legacy completion) in its
   * own counters, never an embeddings or rerank input, so reconciliation tells them apart.
   * Optional: older workers never set it.
   */
  kind: z.enum(["chat", "completion", "embeddings", "rerank"]).optional(),
  /** The client's own id for the request (x-client-request-id), stored beside the gateway's. Optional: older workers. */
  client_request_id: z.string().max(128).optional(),
  started_at: z.iso.datetime(),
  finished_at: z.iso.datetime(),
});
export type UsageEvent = z.infer<typeof UsageEvent>;

export const DailyUsageQuery = z.object({
  tenant_id: z.string().min(1),
  date: z.iso.date(),
});
export type DailyUsageQuery = z.infer<typeof DailyUsageQuery>;

export const UsageTotals = z.object({
  requests: z.number().int(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  /** In the price table's currency, as a decimal string: money is never a float. */
  cost: z.string(),
});
export type UsageTotals = z.infer<typeof UsageTotals>;

export const DailyUsage = z.object({
  tenant_id: z.string(),
  date: z.iso.date(),
  totals: UsageTotals,
  by_model: z.array(UsageTotals.extend({ model: z.string() })),
});
export type DailyUsage = z.infer<typeof DailyUsage>;

/** Longest range one query may cover, in days: bounds the work of one request. */
export const MAX_RANGE_DAYS = 366;

const DAY_MS = 86_400_000;

export const UsageRangeQuery = z
  .object({ tenant_id: z.string().min(1), from: z.iso.date(), to: z.iso.date() })
  .refine((q) => q.from <= q.to, { path: ["to"], message: "must not be before from" })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / DAY_MS < MAX_RANGE_DAYS, {
    path: ["to"],
    message: `the range may cover at most ${MAX_RANGE_DAYS} days`,
  });
export type UsageRangeQuery = z.infer<typeof UsageRangeQuery>;

export const DailyModelUsage = UsageTotals.extend({ date: z.iso.date(), model: z.string() });
export type DailyModelUsage = z.infer<typeof DailyModelUsage>;

/** Usage over UTC days from..to inclusive; only days and models with usage have a row. */
export const UsageRange = z.object({
  tenant_id: z.string(),
  from: z.iso.date(),
  to: z.iso.date(),
  data: z.array(DailyModelUsage),
});
export type UsageRange = z.infer<typeof UsageRange>;
