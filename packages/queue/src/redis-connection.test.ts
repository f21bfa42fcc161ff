import { createRegistry, createLogger } from "@gateway/observability";
import { afterAll, describe, expect, it } from "vitest";
import { createConsumer } from "./consumer.ts";
import { createProducer } from "./producer.ts";
import { watchQueueDepth } from "./queue-depth.ts";
import { createRedis } from "./redis-connection.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
// lazyConnect: refused before any command, so these never need to reach Redis.
const autopipelined = createRedis(REDIS_URL, "commands", { lazyConnect: true });
afterAll(() => autopipelined.disconnect());

describe("BullMQ connections", () => {
  it("when a producer, consumer or queue-depth watcher is given an autopipelined connection, then it refuses it at once", () => {
    const registry = createRegistry("test");
    const logger = createLogger({ service: "test", level: "silent", sync: true });
    expect(() => createProducer("webhooks", autopipelined, "test")).toThrow(/enableAutoPipelining/);
    expect(() =>
      createConsumer("webhooks", async () => undefined, { connection: autopipelined, prefix: "test", concurrency: 1, registry, logger }),
    ).toThrow(/enableAutoPipelining/);
    expect(() => watchQueueDepth(["webhooks"], { connection: autopipelined, prefix: "test", registry })).toThrow(/enableAutoPipelining/);
  });

  it("when the connection is one of the kinds createRedis makes for queues, then it is accepted", async () => {
    const blocking = createRedis(REDIS_URL, "blocking");
    const producer = createProducer("webhooks", blocking, `test-${Date.now()}`);
    await producer.close();
    await blocking.quit();
  });
});
