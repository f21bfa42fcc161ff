import { z } from "zod";
import { Usage } from "./chat.ts";
import { TenantId } from "./keys.ts";
import { DailyModelUsage, MAX_RANGE_DAYS, UsageTotals } from "./usage.ts";

const DAY_MS = 86_400_000;

/** `GET /v1/usage`: UTC days from..to inclusive; both default to a window ending today. */
export const UsageReportQuery = z
  .strictObject({
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
    /** Admins only: a tenant key reads its own tenant, whatever it asks for. */
    tenant_id: TenantId.optional(),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { path: ["to"], message: "must not be before from" })
  .refine((q) => !q.from || !q.to || (Date.parse(q.to) - Date.parse(q.from)) / DAY_MS < MAX_RANGE_DAYS, {
    path: ["to"],
    message: `the range may cover at most ${MAX_RANGE_DAYS} days`,
  });
export type UsageReportQuery = z.infer<typeof UsageReportQuery>;

export const UsageReport = z.object({
  object: z.literal("usage.report"),
  tenant_id: z.string(),
  from: z.iso.date(),
  to: z.iso.date(),
  totals: UsageTotals,
  by_day: z.array(UsageTotals.extend({ date: z.iso.date() })),
  by_model: z.array(UsageTotals.extend({ model: z.string() })),
  /** One row per day and model with usage, in order. */
  data: z.array(DailyModelUsage),
});
export type UsageReport = z.infer<typeof UsageReport>;

/** Largest number of keys one per-key usage query may name. */
export const MAX_KEYS_PER_QUERY = 100;

/** Billing's `GET /internal/v1/usage/keys`: tokens billed per key on one UTC day (quota reconciliation). */
export const KeyTokensQuery = z.object({
  date: z.iso.date(),
  key_id: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .pipe(z.array(z.string().min(1).max(200)).min(1).max(MAX_KEYS_PER_QUERY)),
});
export type KeyTokensQuery = z.infer<typeof KeyTokensQuery>;

export const KeyTokens = z.object({
  date: z.iso.date(),
  /** Only keys with billed usage that day have a row. */
  data: z.array(z.object({ key_id: z.string(), total_tokens: z.number().int().min(0) })),
});
export type KeyTokens = z.infer<typeof KeyTokens>;

/**
 * The usage object of a completion as the edge returns it: OpenAI's fields plus `cost`, a
 * decimal string in the price table's currency (the SDKs keep unknown fields).
 */
export const UsageWithCost = Usage.extend({ cost: z.string() });
export type UsageWithCost = z.infer<typeof UsageWithCost>;
