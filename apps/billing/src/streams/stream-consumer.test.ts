import { randomUUID } from "node:crypto";
import { createLogger } from "@gateway/observability";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import type { StreamEntry } from "./group-stream.ts";
import { StreamConsumer } from "./stream-consumer.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A consumer (claim idle time far beyond the test) writing into memory, on a stream of its own. */
function setup() {
  const key = `test-${randomUUID()}:stream`;
  const group = "billing";
  const consumer = `billing-${randomUUID()}`;
  const admin = new Redis(REDIS_URL);
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const written: string[] = [];
  const sink = {
    write: async (entries: readonly StreamEntry[]) => void written.push(...entries.map((e) => e.fields[1]!)),
    backlog: () => {},
  };
  const reader = new StreamConsumer(connection, sink, createLogger({ service: "test", level: "silent" }), {
    name: "test entries",
    key,
    group,
    consumer,
    claimIdleMs: 120_000,
  });
  cleanups.push(async () => {
    await reader.close();
    await admin.del(key);
    admin.disconnect();
  });
  return { key, group, consumer, admin, connection, reader, written };
}

describe("StreamConsumer", () => {
  it("when a read was served and its reply lost with the connection, then its entries are written soon after the reconnection", async () => {
    const { key, group, consumer, admin, connection, reader, written } = setup();
    reader.start();
    await expect.poll(async () => admin.exists(key)).toBe(1);
    // What Redis holds when it served this consumer's read and died before the reply left: the
    // entry is pending on this consumer, which never saw it. (In one transaction, so the
    // consumer's own blocked read cannot take the entry first.)
    await admin.multi().xadd(key, "*", "value", "lost").xreadgroup("GROUP", group, consumer, "STREAMS", key, ">").exec();
    await admin.xadd(key, "*", "value", "next");
    await expect.poll(() => written, { timeout: 3_000 }).toContain("next");
    expect(written).not.toContain("lost");

    await admin.client("KILL", "ID", String(await connection.client("ID")));
    await expect.poll(() => written, { timeout: 5_000 }).toContain("lost");
    await expect.poll(async () => ((await admin.xpending(key, group)) as unknown[])[0], { timeout: 3_000 }).toBe(0);
    expect(written.filter((v) => v === "lost")).toHaveLength(1);
  });
});
