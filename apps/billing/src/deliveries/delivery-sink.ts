import type { Logger } from "@gateway/observability";
import type { StreamEntry } from "../streams/group-stream.ts";
import type { StreamSink } from "../streams/stream-consumer.ts";
import type { BillingMetrics } from "../usage/billing-metrics.ts";
import type { Delivery, DeliveryRepository } from "./delivery-repository.ts";
import { parseDeliveryEntry } from "./parse-delivery-entry.ts";

/** The deliveries stream into usage_deliveries: an unreadable entry is counted and dropped, never retried. */
export function deliverySink(repository: DeliveryRepository, metrics: BillingMetrics, logger: Logger): StreamSink {
  return {
    async write(entries: readonly StreamEntry[]) {
      const deliveries: Delivery[] = [];
      const invalid: string[] = [];
      for (const entry of entries) {
        const delivery = parseDeliveryEntry(entry.fields);
        if (delivery) deliveries.push(delivery);
        else invalid.push(entry.id);
      }
      const { recorded } = await repository.record(deliveries);
      metrics.deliveries.inc({ outcome: "recorded" }, recorded);
      metrics.deliveries.inc({ outcome: "duplicate" }, deliveries.length - recorded);
      metrics.deliveries.inc({ outcome: "invalid" }, invalid.length);
      for (const id of invalid) logger.warn({ entry: id }, "a deliveries entry is not a delivery: dropped");
    },
    backlog(unread, pending) {
      metrics.unread.set(unread);
      metrics.pending.set(pending);
    },
  };
}
