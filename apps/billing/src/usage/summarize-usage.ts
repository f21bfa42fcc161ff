import type { DailyUsage, UsageTotals } from "@gateway/contracts";
import { addDecimals } from "@gateway/config";
import type { UsageRange } from "@gateway/contracts";
import type { DayModelUsage, UsageRepository } from "./usage-repository.ts";

function totalsOf(rows: DayModelUsage[]): UsageTotals {
  const totals = { requests: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  for (const r of rows) {
    totals.requests += r.requests;
    totals.prompt_tokens += r.promptTokens;
    totals.completion_tokens += r.completionTokens;
    totals.total_tokens += r.promptTokens + r.completionTokens;
  }
  // Decimal's toFixed never switches to exponent notation; the sum is the edge's own exact arithmetic.
  return { ...totals, cost: addDecimals(...rows.map((r) => r.cost.toFixed())) };
}

export async function dailyUsage(repository: UsageRepository, tenantId: string, date: string): Promise<DailyUsage> {
  const rows = await repository.byDayAndModel(tenantId, date, date);
  return {
    tenant_id: tenantId,
    date,
    totals: totalsOf(rows),
    by_model: rows.map((r) => ({ model: r.model, ...totalsOf([r]) })),
  };
}

export async function usageRange(repository: UsageRepository, tenantId: string, from: string, to: string): Promise<UsageRange> {
  const rows = await repository.byDayAndModel(tenantId, from, to);
  return { tenant_id: tenantId, from, to, data: rows.map((r) => ({ date: r.date, model: r.model, ...totalsOf([r]) })) };
}
