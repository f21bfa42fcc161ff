import { invalidUsageEventsKey, usageEventsKey } from "@gateway/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { metricValue, startBilling, usageEvent, type Harness } from "./billing-harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await startBilling();
});
afterEach(async () => {
  await h.close();
});

async function deliver(event = usageEvent()) {
  await h.publish(event);
  await h.drained();
}

describe("usage consumer", () => {
  it("when a usage event arrives, then one row is written with the exact cost", async () => {
    const event = usageEvent({ prompt_tokens: 1_234_567, completion_tokens: 89, client_request_id: "sdk-req-42" });
    await deliver(event);

    const row = await h.prisma.usageRecord.findUniqueOrThrow({ where: { requestId: event.request_id } });
    // 1_234_567 × 0.123456789012 / 1000 and 89 × 0.5 / 1000, to the last digit.
    expect(row.promptCost.toFixed()).toBe("152.415677640177804");
    expect(row.completionCost.toFixed()).toBe("0.0445");
    expect(row.cost.toFixed()).toBe("152.460177640177804");
    expect(row).toMatchObject({
      tenantId: "tenant-a",
      keyId: "key-1",
      tier: "free",
      model: "llama-small",
      promptTokens: 1_234_567,
      completionTokens: 89,
      totalTokens: 1_234_656,
      outcome: "succeeded",
      backend: "http://127.0.0.1:1",
      clientRequestId: "sdk-req-42",
      finishedAt: new Date(event.finished_at),
    });
    expect(await metricValue(h.registry, "gateway_billing_usage_events_total", { outcome: "succeeded" })).toBe(1);
    expect(await metricValue(h.registry, "gateway_billing_tokens_total", { model: "llama-small", kind: "prompt" })).toBe(1_234_567);
    expect(await metricValue(h.registry, "gateway_billing_tokens_total", { model: "llama-small", kind: "completion" })).toBe(89);
    expect(await metricValue(h.registry, "gateway_billing_cost_total", { model: "llama-small" })).toBeCloseTo(152.46017764, 6);
    expect(await metricValue(h.registry, "gateway_billing_lag_seconds_count")).toBe(1);
  });

  it("when the same event is delivered twice, then it is billed once and the repeat is counted", async () => {
    const event = usageEvent();
    await deliver(event);
    // A second entry for the same request (a worker that ran the job again after a crash).
    await deliver(event);

    expect(await h.prisma.usageRecord.count({ where: { requestId: event.request_id } })).toBe(1);
    expect(await metricValue(h.registry, "gateway_billing_duplicate_events_total")).toBe(1);
    expect(await metricValue(h.registry, "gateway_billing_usage_events_total", { outcome: "succeeded" })).toBe(1);
  });

  it("when many copies of one event race, then exactly one row is written", async () => {
    const event = usageEvent();
    await Promise.all(Array.from({ length: 8 }, () => h.publish(event)));
    await h.drained();

    expect(await h.prisma.usageRecord.count({ where: { requestId: event.request_id } })).toBe(1);
    expect(await metricValue(h.registry, "gateway_billing_duplicate_events_total")).toBe(7);
  });

  it("when many events arrive at once, then they share insert statements and each is billed exactly once", async () => {
    const events = Array.from({ length: 40 }, (_, i) => usageEvent({ prompt_tokens: 100 + i, completion_tokens: i }));
    await Promise.all(events.map((e) => h.publish(e)));
    await h.drained();

    const rows = await h.prisma.usageRecord.findMany({ where: { requestId: { in: events.map((e) => e.request_id) } } });
    expect(rows).toHaveLength(40);
    for (const e of events)
      expect(rows.find((r) => r.requestId === e.request_id)).toMatchObject({
        promptTokens: e.prompt_tokens,
        completionTokens: e.completion_tokens,
      });
    expect(await metricValue(h.registry, "gateway_billing_usage_events_total", { outcome: "succeeded" })).toBe(40);
    expect(await metricValue(h.registry, "gateway_billing_duplicate_events_total")).toBe(0);
  });

  it("when the model has no price, then the usage is still recorded at cost 0 and counted as unpriced", async () => {
    const event = usageEvent({ model: "not-in-config", prompt_tokens: 100, completion_tokens: 50, outcome: "cancelled" });
    await deliver(event);

    const row = await h.prisma.usageRecord.findUniqueOrThrow({ where: { requestId: event.request_id } });
    expect([row.promptCost.toFixed(), row.completionCost.toFixed(), row.cost.toFixed()]).toEqual(["0", "0", "0"]);
    expect(row.totalTokens).toBe(150);
    expect(await metricValue(h.registry, "gateway_billing_unpriced_events_total", { model: "not-in-config" })).toBe(1);
    expect(await metricValue(h.registry, "gateway_billing_usage_events_total", { outcome: "cancelled" })).toBe(1);
  });

  it("when Postgres fails while billing, then the events stay pending and are billed once the table is back", async () => {
    await h.prisma.$executeRawUnsafe("ALTER TABLE usage_records RENAME TO usage_records_away");
    const event = usageEvent();
    await h.publish(event);
    // Read, not acknowledged: the write is tried again until it commits.
    await expect
      .poll(async () => ((await h.redis.xpending(usageEventsKey(h.prefix), "billing")) as unknown[])[0], { timeout: 10_000 })
      .toBe(1);
    await h.prisma.$executeRawUnsafe("ALTER TABLE usage_records_away RENAME TO usage_records");

    await h.drained(20_000);
    expect(await h.prisma.usageRecord.count({ where: { requestId: event.request_id } })).toBe(1);
  });

  it("when an entry is not a usage event, then it is set aside once with its reason, never billed, and the stream goes on", async () => {
    const key = usageEventsKey(h.prefix);
    await h.redis.xadd(key, "*", "e", JSON.stringify({ v: 1, request_id: "poison-1", model: "llama-small" }));
    await h.redis.xadd(key, "*", "e", "{not json");
    await h.redis.xadd(key, "*", "other", "field");
    const good = usageEvent();
    await deliver(good);

    const aside = (await h.redis.xrange(invalidUsageEventsKey(h.prefix), "-", "+")).map(([, fields]) => fields[3]);
    expect(aside).toHaveLength(3);
    expect(aside[0]).toMatch(/caller/);
    expect(aside.slice(1)).toEqual(["not JSON", "no field e"]);
    expect(await metricValue(h.registry, "gateway_billing_invalid_usage_events_total")).toBe(3);
    expect(await h.prisma.usageRecord.count()).toBe(1);
    expect(await h.prisma.usageRecord.count({ where: { requestId: good.request_id } })).toBe(1);
  });

  it("when Postgres refuses one event's row (a NUL in its model), then the rest of its batch is billed and it is set aside", async () => {
    const key = usageEventsKey(h.prefix);
    const good = [usageEvent(), usageEvent()];
    const refused = usageEvent({ model: "bad\u0000model" });
    // In one MULTI, so one read takes all three: one insert statement, which Postgres refuses.
    await h.redis
      .multi()
      .xadd(key, "*", "e", JSON.stringify(good[0]))
      .xadd(key, "*", "e", JSON.stringify(refused))
      .xadd(key, "*", "e", JSON.stringify(good[1]))
      .exec();
    await h.drained();

    expect(await h.prisma.usageRecord.count({ where: { requestId: { in: good.map((e) => e.request_id) } } })).toBe(2);
    expect(await h.prisma.usageRecord.count({ where: { requestId: refused.request_id } })).toBe(0);
    const aside = await h.redis.xrange(invalidUsageEventsKey(h.prefix), "-", "+");
    expect(aside.map(([, fields]) => fields[3])).toEqual(["Postgres refused its row (SQLSTATE 22021)"]);
    expect(await metricValue(h.registry, "gateway_billing_invalid_usage_events_total")).toBe(1);
  });

  it("when a billing process died holding events, then another takes them over after the claim idle time and bills each once", async () => {
    const key = usageEventsKey(h.prefix);
    const events = [usageEvent(), usageEvent()];
    // A consumer of the group that read the events and died before writing them.
    await h.billing.usage.close();
    for (const e of events) await h.publish(e);
    await h.redis.xreadgroup("GROUP", "billing", "dead-billing", "COUNT", 10, "STREAMS", key, ">");
    const next = await startBilling({ prefix: h.prefix, usageClaimIdleMs: 300 });
    try {
      await next.drained();
      expect(await next.prisma.usageRecord.count({ where: { requestId: { in: events.map((e) => e.request_id) } } })).toBe(2);
    } finally {
      await next.close();
    }
  });
});
