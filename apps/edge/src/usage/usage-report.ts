import { addDecimals } from "@gateway/config";
import type { DailyModelUsage, UsageRange, UsageReport, UsageTotals } from "@gateway/contracts";

function sum(rows: readonly DailyModelUsage[]): UsageTotals {
  return {
    requests: rows.reduce((n, r) => n + r.requests, 0),
    prompt_tokens: rows.reduce((n, r) => n + r.prompt_tokens, 0),
    completion_tokens: rows.reduce((n, r) => n + r.completion_tokens, 0),
    total_tokens: rows.reduce((n, r) => n + r.total_tokens, 0),
    // Exact decimal sums: the report adds up to the bill, digit for digit.
    cost: addDecimals(...rows.map((r) => r.cost)),
  };
}

function groupBy<K extends string>(rows: readonly DailyModelUsage[], key: (r: DailyModelUsage) => K): Map<K, DailyModelUsage[]> {
  const groups = new Map<K, DailyModelUsage[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
}

/** Billing's day × model rows, with totals per day, per model and overall. */
export function usageReport(range: UsageRange): UsageReport {
  const days = [...groupBy(range.data, (r) => r.date)].sort(([a], [b]) => a.localeCompare(b));
  const models = [...groupBy(range.data, (r) => r.model)].sort(([a], [b]) => a.localeCompare(b));
  return {
    object: "usage.report",
    tenant_id: range.tenant_id,
    from: range.from,
    to: range.to,
    totals: sum(range.data),
    by_day: days.map(([date, rows]) => ({ date, ...sum(rows) })),
    by_model: models.map(([model, rows]) => ({ model, ...sum(rows) })),
    data: range.data,
  };
}
