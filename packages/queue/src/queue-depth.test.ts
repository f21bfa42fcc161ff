import { randomUUID } from "node:crypto";
import { createRegistry } from "@gateway/observability";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { watchQueueDepth, type QueueDepth } from "./queue-depth.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(maxAgeMs: number) {
  const prefix = `test-${randomUUID()}`;
  const redis = new Redis(REDIS_URL);
  const queue = new Queue("webhooks", { connection: redis, prefix });
  const registry = createRegistry("test");
  const depth: QueueDepth = watchQueueDepth(["webhooks"], { connection: redis, prefix, registry, maxAgeMs });
  cleanups.push(async () => {
    await depth.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await redis.quit();
  });
  const read = async () => {
    const { values } = await registry.getSingleMetric("gateway_queue_jobs")!.get();
    return Object.fromEntries(values.map((v) => [`${v.labels.queue}/${v.labels.state}`, v.value]));
  };
  return { queue, read };
}

describe("watchQueueDepth", () => {
  it("when jobs wait (prioritized or not) and one is delayed, then the gauge counts them by state", async () => {
    const { queue, read } = await setup(0);
    await queue.add("webhooks", {}, { jobId: "a" });
    await queue.add("webhooks", {}, { jobId: "b", priority: 10 });
    await queue.add("webhooks", {}, { jobId: "c", delay: 60_000 });
    expect(await read()).toEqual({ "webhooks/waiting": 2, "webhooks/active": 0, "webhooks/delayed": 1, "webhooks/failed": 0 });
  });

  it("when scraped again within maxAgeMs, then the counts come from memory, not Redis", async () => {
    const { queue, read } = await setup(60_000);
    await queue.add("webhooks", {}, { jobId: "a" });
    expect((await read())["webhooks/waiting"]).toBe(1);
    await queue.add("webhooks", {}, { jobId: "b" });
    expect((await read())["webhooks/waiting"]).toBe(1);
  });
});
