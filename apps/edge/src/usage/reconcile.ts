import type { BackendDayTokens, BilledTokens, ReconcileQuery, Reconciliation, ReconciliationReport } from "@gateway/contracts";
import type { Redis } from "ioredis";
import { daysOf, readBackendTokens, type CountedTokens } from "./backend-tokens.ts";
import type { BillingClient } from "./billing-client.ts";

export interface ReconcileDeps {
  billing: Pick<BillingClient, "reconcile">;
  /** Where the workers keep the backends' own token counts. */
  redis: Redis;
  namespace: string;
}

const NOTHING_BILLED: BilledTokens = {
  requests: 0,
  prompt_tokens: 0,
  completion_tokens: 0,
  generation_prompt_tokens: 0,
  succeeded_completion_tokens: 0,
};

/**
 * Puts billing's side (tokens billed per backend and day, and the requests answered but not
 * billed, billed twice, billed but not delivered) beside what each backend counted itself. Only
 * the three lists are discrepancies: token differences have causes of their own (see the docs).
 */
export async function reconcile(deps: ReconcileDeps, query: ReconcileQuery): Promise<ReconciliationReport> {
  const [billing, counted] = await Promise.all([
    deps.billing.reconcile(query),
    readBackendTokens(deps.redis, deps.namespace, daysOf(query.from, query.to)),
  ]);
  const { billed, ...lists } = billing;
  return {
    ...lists,
    tokens: compareTokens(billed, counted),
    discrepancies: lists.answered_not_billed.count + lists.billed_twice.count + lists.billed_not_delivered.count,
  };
}

/** One row per day and backend that billed or counted anything, by date then backend. */
export function compareTokens(billed: Reconciliation["billed"], counted: Map<string, Map<string, CountedTokens>>): BackendDayTokens[] {
  const rows = new Map<string, { date: string; backend: string | null; billed: BilledTokens; counts: CountedTokens }>();
  const keyOf = (date: string, backend: string | null) => `${date} ${backend ?? ""}`;
  for (const { date, backend, ...tokens } of billed) rows.set(keyOf(date, backend), { date, backend, billed: tokens, counts: {} });
  for (const [date, backends] of counted)
    for (const [backend, counts] of backends) {
      const row = rows.get(keyOf(date, backend));
      if (row) row.counts = counts;
      else rows.set(keyOf(date, backend), { date, backend, billed: NOTHING_BILLED, counts });
    }
  return [...rows.values()]
    .sort((a, b) => a.date.localeCompare(b.date) || (a.backend ?? "\uffff").localeCompare(b.backend ?? "\uffff"))
    .map(({ date, backend, billed: tokens, counts }) => {
      const prompt = counts.prompt ?? null;
      const completion = counts.predicted ?? null;
      return {
        date,
        backend,
        billed: tokens,
        counted: { prompt_tokens: prompt, completion_tokens: completion },
        difference: {
          prompt_tokens: prompt === null ? null : prompt - tokens.generation_prompt_tokens,
          completion_tokens: completion === null ? null : completion - tokens.succeeded_completion_tokens,
        },
      };
    });
}
