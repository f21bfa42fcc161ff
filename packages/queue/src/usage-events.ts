import { UsageEvent, usageEventsKey } from "@gateway/contracts";
import type { Redis } from "ioredis";

/**
 * Appends one usage event to the usage stream (one XADD), validated on the way in so a producer
 * bug never becomes an entry billing must set aside. A job that runs twice (its worker died after
 * this) appends its event twice: billing writes one row per request id, and counts the repeat.
 * On a connection that waits out a Redis outage (maxRetriesPerRequest: null): an event must not be lost.
 */
export async function appendUsageEvent(redis: Redis, namespace: string, event: UsageEvent): Promise<void> {
  await redis.xadd(usageEventsKey(namespace), "*", "e", JSON.stringify(UsageEvent.parse(event)));
}
