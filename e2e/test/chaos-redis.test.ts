import { startRedisServer, type RedisServer } from "@gateway/test-kit/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type System } from "./start-system.ts";
import { untilReconciled } from "./support/reconcile.ts";
import { steadyLoad, tally } from "./support/steady-load.ts";

/**
 * Redis killed with SIGKILL and restarted 5 s later, under steady load, on a Redis of this
 * test's own (AOF; fsync always, so what Redis acknowledged survives): no request hangs, every
 * client is answered or told within seconds of Redis being back, and what was billed is what was
 * delivered.
 */
const DOWN_MS = 5_000;
/** How soon after Redis is back every request in flight must have ended. */
const BOUND_MS = 8_000;
let redis: RedisServer;
let system: System;
beforeAll(async () => {
  redis = await startRedisServer({ appendfsync: "always" });
  // Paced backends: a few dozen requests are in flight at any moment, some of them at the kill.
  system = await startSystem({ redisUrl: redis.url, backends: 3, sim: { interTokenMs: 5, slots: 8 } });
}, 120_000);
afterAll(async () => {
  await system?.stop();
  await redis?.stop();
});

describe("when Redis is killed and restarted 5 s later under load", () => {
  it("then no request hangs, each is answered or told, and each answer is billed once", async () => {
    const load = steadyLoad(system.edgeUrl, system.apiKey, { maxTokens: 40 });
    await new Promise((r) => setTimeout(r, 3_000));
    const killedAt = Date.now();
    await redis.kill();
    await new Promise((r) => setTimeout(r, DOWN_MS));
    await redis.start();
    const backAt = Date.now();
    await new Promise((r) => setTimeout(r, 6_000));
    const outcomes = await load.stop();
    const figures = tally(outcomes);
    const inFlight = outcomes.filter((o) => o.startedAt < killedAt && o.endedAt > killedAt);
    const carried = inFlight.filter((o) => o.answered).length;
    console.info(
      "redis killed, back after 5 s:",
      JSON.stringify({ ...figures, inFlightAtKill: inFlight.length, inFlightAnswered: carried }),
    );

    const toldInFlight = inFlight.filter((o) => !o.answered).map((o) => ({ stream: o.stream, code: o.code, message: o.message }));
    if (toldInFlight.length > 0) console.info("in flight at the kill and told:", JSON.stringify(toldInFlight));
    expect(figures.hung).toBe(0);
    expect(inFlight.length).toBeGreaterThan(0);
    for (const o of outcomes) {
      // Answered, or told clearly (503 queue_unavailable), never later than the bound after Redis is back.
      expect(o.answered || o.code !== undefined, JSON.stringify(o)).toBe(true);
      expect(o.endedAt, JSON.stringify(o)).toBeLessThan(backAt + BOUND_MS);
      if (!o.answered) expect(o.code, JSON.stringify(o)).toBe("queue_unavailable");
    }
    // Requests in flight at the kill are carried across the outage: answered from their event logs.
    expect(inFlight.filter((o) => o.answered).length).toBeGreaterThan(0);

    // Billing: every answered request once; nothing succeeded that a client was not given.
    const answered = outcomes.filter((o) => o.answered).map((o) => o.requestId!);
    const notAnswered = outcomes.filter((o) => !o.answered && o.requestId).map((o) => o.requestId!);
    const rows = async (ids: string[]) =>
      (await system.db.query("SELECT request_id, outcome FROM usage_records WHERE request_id = ANY($1)", [ids])).rows as {
        request_id: string;
        outcome: string;
      }[];
    await expect.poll(async () => (await rows(answered)).length, { timeout: 60_000, interval: 1_000 }).toBe(answered.length);
    expect((await rows(notAnswered)).filter((r) => r.outcome === "succeeded")).toEqual([]);
    // And the operator's check agrees: nothing answered and not billed, billed twice, or billed and not delivered.
    const report = await untilReconciled(system, { timeoutMs: 60_000 });
    console.info("reconciliation after the Redis restart:", JSON.stringify({ discrepancies: report.discrepancies }));
  });
});
