import { UsageEvent, invalidUsageEventsKey } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";
import pg from "pg";
import type { StreamEntry } from "../streams/group-stream.ts";
import type { StreamSink } from "../streams/stream-consumer.ts";
import type { BillingMetrics } from "./billing-metrics.ts";
import type { RecordUsage } from "./record-usage.ts";

/** Far above any usage event; a longer entry is not one. */
const MAX_EVENT_CHARS = 16_384;

/** One usage stream entry's event (field `e`, JSON), or why it is not one. */
function parseUsageEntry(fields: readonly string[]): { event: UsageEvent } | { why: string; raw: string } {
  let raw: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === "e") raw = fields[i + 1];
  if (raw === undefined) return { why: "no field e", raw: "" };
  if (raw.length > MAX_EVENT_CHARS) return { why: "too long", raw: raw.slice(0, MAX_EVENT_CHARS) };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { why: "not JSON", raw };
  }
  const parsed = UsageEvent.safeParse(json);
  if (!parsed.success) return { why: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "), raw };
  return { event: parsed.data };
}

/**
 * The SQLSTATE of an error Postgres raised because of the data (class 22, a value it cannot hold;
 * 23, a constraint), or undefined for anything else (an outage, a timeout): only the former is the
 * event's fault, and retrying it would hold up every event behind it.
 */
function refusedData(err: unknown): string | undefined {
  // node-postgres's error (the batch insert goes through the pool) or one through Prisma's adapter.
  const direct = (err as { code?: unknown }).code;
  const cause = (err as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } }).meta?.driverAdapterError?.cause;
  const code = typeof direct === "string" && err instanceof pg.DatabaseError ? direct : cause?.originalCode;
  return typeof code === "string" && /^2[23]/.test(code) ? code : undefined;
}

/**
 * The usage stream into usage_records, a batch per statement. An entry that is not a usage event,
 * or whose row Postgres refuses for its data (the batch is then written event by event to find it),
 * is never retried: once the batch's other rows are committed it is copied to
 * `<ns>:usage-events:invalid` with the reason (before the batch is acknowledged, so it cannot be
 * lost) and counted, for an operator. A Postgres outage retries the insert, not the copies.
 */
export function usageSink(recordUsage: RecordUsage, redis: Redis, namespace: string, metrics: BillingMetrics, logger: Logger): StreamSink {
  return {
    async write(entries: readonly StreamEntry[]) {
      const events: { id: string; event: UsageEvent }[] = [];
      const invalid: { id: string; why: string; raw: string }[] = [];
      for (const entry of entries) {
        const parsed = parseUsageEntry(entry.fields);
        if ("event" in parsed) events.push({ id: entry.id, event: parsed.event });
        else invalid.push({ id: entry.id, ...parsed });
      }
      try {
        await recordUsage(events.map((e) => e.event));
      } catch (err) {
        if (!refusedData(err)) throw err;
        for (const { id, event } of events) {
          try {
            await recordUsage([event]);
          } catch (one) {
            const code = refusedData(one);
            if (!code) throw one;
            invalid.push({ id, why: `Postgres refused its row (SQLSTATE ${code})`, raw: JSON.stringify(event) });
          }
        }
      }
      for (const bad of invalid) await redis.xadd(invalidUsageEventsKey(namespace), "*", "entry", bad.id, "why", bad.why, "e", bad.raw);
      for (const bad of invalid) {
        metrics.invalid.inc();
        logger.error({ entry: bad.id, why: bad.why }, "a usage stream entry cannot be billed: set aside");
      }
    },
    backlog(unread, pending) {
      metrics.usageUnread.set(unread);
      metrics.usagePending.set(pending);
    },
  };
}
