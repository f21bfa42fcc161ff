import type { Logger } from "@gateway/observability";
import type { BillingMetrics } from "../usage/billing-metrics.ts";
import type { DeliveryRepository } from "./delivery-repository.ts";

/** How far back the sweep looks: far longer than two statements can run side by side. */
const WINDOW_S = 900;
const INTERVAL_MS = 30_000;

export interface DeliverySweep {
  /** One sweep now; resolves with the rows it healed. */
  runOnce(): Promise<number>;
  start(): void;
  stop(): void;
}

/**
 * A usage insert looks its delivery up, and a delivery marks its usage row: when both commit at
 * the same moment neither sees the other, and the row stays without its delivery time. Every
 * INTERVAL_MS this heals the rows of deliveries recorded in the last WINDOW_S. Reconciliation does
 * not depend on it (it joins the two tables); the column is for queries of one table.
 */
export function createDeliverySweep(repository: DeliveryRepository, metrics: BillingMetrics, logger: Logger): DeliverySweep {
  let timer: NodeJS.Timeout | undefined;
  const runOnce = async () => {
    const healed = await repository.heal(WINDOW_S);
    if (healed > 0) metrics.healed.inc(healed);
    return healed;
  };
  return {
    runOnce,
    start() {
      timer ??= setInterval(() => {
        runOnce().catch((err: unknown) => logger.warn({ err: (err as Error).message }, "delivery sweep failed"));
      }, INTERVAL_MS);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
