import { randomUUID } from "node:crypto";
import { deliveriesKey, DELIVERIES_GROUP } from "@gateway/contracts";
import { createRedis } from "@gateway/queue";
import type { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { metricValue, REDIS_URL, startBilling, usageEvent, type Harness } from "./billing-harness.ts";

const redis: Redis = createRedis(REDIS_URL, "commands", { enableAutoPipelining: false });
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});
afterAll(async () => {
  await redis.quit();
});

const deliver = (prefix: string, id: string, at = Date.now()) => redis.xadd(deliveriesKey(prefix), "*", "id", id, "at", String(at));

async function deliveredAt(harness: Harness, requestId: string): Promise<Date | null | undefined> {
  const rows = await harness.prisma.$queryRaw<Array<{ delivered_at: Date }>>`
    SELECT delivered_at FROM usage_deliveries WHERE request_id = ${requestId}`;
  return rows[0]?.delivered_at;
}

const recorded = (harness: Harness, requestId: string) => expect.poll(() => deliveredAt(harness, requestId), { timeout: 10_000 });

async function bill(harness: Harness, event = usageEvent()) {
  await harness.publish(event);
  await harness.drained();
  return harness.prisma.usageRecord.findUniqueOrThrow({ where: { requestId: event.request_id } });
}

describe("deliveries into billing", () => {
  it("when a delivery comes before its usage event, then the usage row is written with the delivery's time", async () => {
    h = await startBilling();
    const event = usageEvent();
    const at = Date.now() - 5_000;
    await deliver(h.prefix, event.request_id, at);
    await recorded(h, event.request_id).toEqual(new Date(at));
    expect((await bill(h, event)).deliveredAt).toEqual(new Date(at));
    expect(await metricValue(h.registry, "gateway_billing_deliveries_total", { outcome: "recorded" })).toBe(1);
  });

  it("when the usage row comes first, then its delivery sets delivered_at on it", async () => {
    h = await startBilling();
    const event = usageEvent();
    expect((await bill(h, event)).deliveredAt).toBeNull();
    const at = Date.now();
    await deliver(h.prefix, event.request_id, at);
    await expect
      .poll(async () => (await h!.prisma.usageRecord.findUniqueOrThrow({ where: { requestId: event.request_id } })).deliveredAt, {
        timeout: 10_000,
      })
      .toEqual(new Date(at));
  });

  it("when one request is delivered twice, then the first delivery is kept, one row written and the repeat counted", async () => {
    h = await startBilling();
    const id = `req-${randomUUID()}`;
    await deliver(h.prefix, id, 1_000_000);
    await recorded(h, id).toEqual(new Date(1_000_000));
    // A replay, a second reader of the stored answer: later, and not recorded.
    await deliver(h.prefix, id, 2_000_000);
    await expect.poll(() => metricValue(h!.registry, "gateway_billing_deliveries_total", { outcome: "duplicate" })).toBe(1);
    expect(await deliveredAt(h, id)).toEqual(new Date(1_000_000));
    expect(await h.prisma.usageDelivery.count({ where: { requestId: id } })).toBe(1);
  });

  it("when an entry is not a delivery, then it is acknowledged, counted and skipped, and the ones after it are recorded", async () => {
    h = await startBilling();
    await redis.xadd(deliveriesKey(h.prefix), "*", "id", "req-no-time");
    const id = `req-${randomUUID()}`;
    await deliver(h.prefix, id);
    await recorded(h, id).toBeInstanceOf(Date);
    expect(await metricValue(h.registry, "gateway_billing_deliveries_total", { outcome: "invalid" })).toBe(1);
    expect(await h.prisma.usageDelivery.count()).toBe(1);
    expect(((await redis.xpending(deliveriesKey(h.prefix), DELIVERIES_GROUP)) as unknown[])[0]).toBe(0);
  });

  it("when a billing process read deliveries and died before XACK, then another claims them and records each once", async () => {
    const prefix = `test-${randomUUID()}`;
    const key = deliveriesKey(prefix);
    const ids = [1, 2, 3].map((i) => `req-${randomUUID()}-${i}`);
    await redis.xgroup("CREATE", key, DELIVERIES_GROUP, "0", "MKSTREAM");
    for (const id of ids) await deliver(prefix, id, 5_000_000);
    // The dead process's read: the entries are pending on it, never to be acknowledged.
    const read = (await redis.xreadgroup("GROUP", DELIVERIES_GROUP, "billing-dead", "COUNT", 10, "STREAMS", key, ">")) as [
      string,
      unknown[],
    ][];
    expect(read[0]![1]).toHaveLength(3);

    h = await startBilling({ prefix, claimIdleMs: 1_500 });
    // It had written the first before it died (its statement committed, its XACK never came).
    await h.prisma.$executeRaw`INSERT INTO usage_deliveries (request_id, delivered_at) VALUES (${ids[0]}, ${new Date(4_000_000)})`;
    for (const id of ids.slice(1)) await recorded(h, id).toEqual(new Date(5_000_000));
    expect(await deliveredAt(h, ids[0]!)).toEqual(new Date(4_000_000));
    expect(await h.prisma.usageDelivery.count({ where: { requestId: { in: ids } } })).toBe(3);
    await expect.poll(async () => ((await redis.xpending(key, DELIVERIES_GROUP)) as unknown[])[0]).toBe(0);
    expect(await metricValue(h.registry, "gateway_billing_deliveries_total", { outcome: "recorded" })).toBe(2);
    expect(await metricValue(h.registry, "gateway_billing_deliveries_total", { outcome: "duplicate" })).toBe(1);
  });

  it("when Postgres refuses the batch, then the deliveries stay pending and are recorded once it is back", async () => {
    h = await startBilling();
    await h.prisma.$executeRawUnsafe("ALTER TABLE usage_deliveries RENAME TO usage_deliveries_away");
    const id = `req-${randomUUID()}`;
    await deliver(h.prefix, id);
    await expect.poll(async () => ((await redis.xpending(deliveriesKey(h!.prefix), DELIVERIES_GROUP)) as unknown[])[0]).toBe(1);
    await h.prisma.$executeRawUnsafe("ALTER TABLE usage_deliveries_away RENAME TO usage_deliveries");
    await recorded(h, id).toBeInstanceOf(Date);
    await expect.poll(async () => ((await redis.xpending(deliveriesKey(h!.prefix), DELIVERIES_GROUP)) as unknown[])[0]).toBe(0);
  });

  it("when the stream and its group vanish (a Redis restarted empty), then the group is made again and new deliveries are recorded", async () => {
    h = await startBilling();
    const first = `req-${randomUUID()}`;
    await deliver(h.prefix, first);
    await recorded(h, first).toBeInstanceOf(Date);
    await redis.del(deliveriesKey(h.prefix));
    const second = `req-${randomUUID()}`;
    await deliver(h.prefix, second);
    await recorded(h, second).toBeInstanceOf(Date);
  });

  it("when billing has read and acknowledged many deliveries, then a maintenance round trims them from the stream", async () => {
    h = await startBilling({ claimIdleMs: 200 });
    const key = deliveriesKey(h.prefix);
    const pipeline = redis.pipeline();
    for (let i = 0; i < 300; i++) pipeline.xadd(key, "*", "id", `req-trim-${i}`, "at", String(Date.now()));
    await pipeline.exec();
    await expect.poll(() => h!.prisma.usageDelivery.count(), { timeout: 10_000 }).toBe(300);
    // Trimmed in whole nodes of 100 entries (MINID ~): what is left is the node of the last one read.
    await expect.poll(() => redis.xlen(key), { timeout: 5_000 }).toBeLessThanOrEqual(100);
  });
});

describe("the delivery sweep", () => {
  it("when a usage row and its delivery were committed at the same moment (neither saw the other), then the sweep heals the row", async () => {
    h = await startBilling();
    const event = usageEvent();
    const row = await bill(h, event);
    // What the race leaves: the delivery's UPDATE ran before the row was visible, the row's lookup before the delivery was.
    const at = new Date(Date.now() - 1_000);
    await h.prisma.$executeRaw`INSERT INTO usage_deliveries (request_id, delivered_at) VALUES (${event.request_id}, ${at})`;
    expect(row.deliveredAt).toBeNull();
    // Only recent deliveries are swept: one recorded an hour ago is left alone (and costs the sweep nothing).
    const old = await bill(h);
    await h.prisma.$executeRaw`INSERT INTO usage_deliveries (request_id, delivered_at, recorded_at)
                               VALUES (${old.requestId}, ${at}, now() - interval '1 hour')`;

    expect(await h.billing.sweep.runOnce()).toBe(1);
    expect((await h.prisma.usageRecord.findUniqueOrThrow({ where: { requestId: event.request_id } })).deliveredAt).toEqual(at);
    expect((await h.prisma.usageRecord.findUniqueOrThrow({ where: { requestId: old.requestId } })).deliveredAt).toBeNull();
    expect(await metricValue(h.registry, "gateway_billing_deliveries_healed_total")).toBe(1);
    expect(await h.billing.sweep.runOnce()).toBe(0);
  });
});
