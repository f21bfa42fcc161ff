import { usageJobId } from "@gateway/contracts";
import { QUEUES } from "@gateway/queue";
import { Queue } from "bullmq";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { metricValue, settled, startBilling, usageEvent, type Harness } from "./billing-harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await startBilling();
});
afterEach(async () => {
  await h.close();
});

async function deliver(jobId: string, event = usageEvent()) {
  await h.producer.add(jobId, event);
  return settled(h.producer.queue, jobId);
}

describe("usage consumer", () => {
  it("when a usage event arrives, then one row is written with the exact cost", async () => {
    const event = usageEvent({ prompt_tokens: 1_234_567, completion_tokens: 89, client_request_id: "sdk-req-42" });
    expect(await deliver(usageJobId(event.request_id), event)).toBe("completed");

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
    expect(await deliver(usageJobId(event.request_id), event)).toBe("completed");
    // The same deterministic job id is a BullMQ no-op: the job is not run again.
    await h.producer.add(usageJobId(event.request_id), event);
    // A second job for the same request (e.g. a worker that lost track of its first enqueue).
    expect(await deliver(`forced-${event.request_id}`, event)).toBe("completed");

    expect(await h.prisma.usageRecord.count({ where: { requestId: event.request_id } })).toBe(1);
    expect(await metricValue(h.registry, "gateway_billing_duplicate_events_total")).toBe(1);
    expect(await metricValue(h.registry, "gateway_billing_usage_events_total", { outcome: "succeeded" })).toBe(1);
  });

  it("when many copies of one event race, then exactly one row is written", async () => {
    const event = usageEvent();
    const ids = Array.from({ length: 8 }, (_, i) => `race-${i}-${event.request_id}`);
    await Promise.all(ids.map((id) => h.producer.add(id, event)));
    for (const id of ids) expect(await settled(h.producer.queue, id)).toBe("completed");

    expect(await h.prisma.usageRecord.count({ where: { requestId: event.request_id } })).toBe(1);
    expect(await metricValue(h.registry, "gateway_billing_duplicate_events_total")).toBe(7);
  });

  it("when many events arrive at once, then they share insert statements and each is billed exactly once", async () => {
    const events = Array.from({ length: 40 }, (_, i) => usageEvent({ prompt_tokens: 100 + i, completion_tokens: i }));
    await Promise.all(events.map((e) => h.producer.add(usageJobId(e.request_id), e)));
    for (const e of events) expect(await settled(h.producer.queue, usageJobId(e.request_id))).toBe("completed");

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
    expect(await deliver(usageJobId(event.request_id), event)).toBe("completed");

    const row = await h.prisma.usageRecord.findUniqueOrThrow({ where: { requestId: event.request_id } });
    expect([row.promptCost.toFixed(), row.completionCost.toFixed(), row.cost.toFixed()]).toEqual(["0", "0", "0"]);
    expect(row.totalTokens).toBe(150);
    expect(await metricValue(h.registry, "gateway_billing_unpriced_events_total", { model: "not-in-config" })).toBe(1);
    expect(await metricValue(h.registry, "gateway_billing_usage_events_total", { outcome: "cancelled" })).toBe(1);
  });

  it("when Postgres fails while billing, then the job is retried and billed once the table is back", async () => {
    await h.prisma.$executeRawUnsafe("ALTER TABLE usage_records RENAME TO usage_records_away");
    const event = usageEvent();
    await h.producer.add(usageJobId(event.request_id), event);
    await expect.poll(() => h.producer.queue.getJobState(usageJobId(event.request_id)), { timeout: 10_000 }).toBe("delayed");
    await h.prisma.$executeRawUnsafe("ALTER TABLE usage_records_away RENAME TO usage_records");

    expect(await settled(h.producer.queue, usageJobId(event.request_id))).toBe("completed");
    expect(await h.prisma.usageRecord.count({ where: { requestId: event.request_id } })).toBe(1);
  });

  it("when a payload is invalid, then the job fails after exactly one attempt and no row is written", async () => {
    // A raw queue, because the producer validates and would refuse this payload.
    const raw = new Queue("usage", { connection: h.redis, prefix: h.prefix });
    try {
      await raw.add("usage", { v: 1, request_id: "poison-1", model: "llama-small" }, { ...QUEUES.usage.defaults, jobId: "poison-1" });
      expect(await settled(raw, "poison-1")).toBe("failed");
      const job = await raw.getJob("poison-1");
      expect(job?.attemptsMade).toBe(1);
      expect(job?.failedReason).toBe("invalid usage payload");
      // Give a (wrong) retry time to show up; with attempts 20 a retried job would be delayed or waiting.
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(await raw.getJobState("poison-1")).toBe("failed");
      expect((await raw.getJob("poison-1"))?.attemptsMade).toBe(1);
    } finally {
      await raw.close();
    }
    expect(await metricValue(h.registry, "gateway_queue_poison_messages_total", { queue: "usage" })).toBe(1);
    expect(await h.prisma.usageRecord.count()).toBe(0);
    expect(await metricValue(h.registry, "gateway_billing_usage_events_total", { outcome: "succeeded" })).toBe(0);
  });
});
