import { MAX_RECONCILE_ITEMS, type ReconcileQuery, type Reconciliation } from "@gateway/contracts";
import type { ReconcileRepository } from "./reconcile-repository.ts";

const DAY_MS = 86_400_000;

/** Billing's side of `pnpm gateway usage reconcile`: tokens billed per backend and UTC day, and the three lists. */
export async function reconcileUsage(repository: ReconcileRepository, query: ReconcileQuery): Promise<Reconciliation> {
  // Billing's own clock for the settle margin, so an operator's skewed laptop cannot shift it.
  const asOf = await repository.now();
  const window = {
    start: new Date(`${query.from}T00:00:00.000Z`),
    end: new Date(Date.parse(`${query.to}T00:00:00.000Z`) + DAY_MS),
    cutoff: new Date(asOf.getTime() - query.settle_s * 1000),
    limit: MAX_RECONCILE_ITEMS,
  };
  const [billed, answeredNotBilled, billedTwice, billedNotDelivered] = await Promise.all([
    repository.billed(window),
    repository.answeredNotBilled(window),
    repository.billedTwice(window),
    repository.billedNotDelivered(window),
  ]);
  return {
    from: query.from,
    to: query.to,
    settle_s: query.settle_s,
    as_of: asOf.toISOString(),
    billed,
    answered_not_billed: answeredNotBilled,
    billed_twice: billedTwice,
    billed_not_delivered: billedNotDelivered,
  };
}
