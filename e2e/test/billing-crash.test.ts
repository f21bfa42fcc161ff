import { USAGE_GROUP, usageEventsKey } from "@gateway/contracts";
import { TEST_REDIS_URL } from "@gateway/test-kit/redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MODEL, startSystem, type System } from "./start-system.ts";
import { untilReconciled } from "./support/reconcile.ts";

let system: System;
const redis = new Redis(TEST_REDIS_URL);

beforeAll(async () => {
  // A long batch window, so billing surely holds events (read, rows maybe written, not yet
  // acknowledged) when it is killed; short claim idle times, so what it held (usage events and
  // deliveries) is taken over by the next billing process within seconds.
  system = await startSystem({ billingEnv: { USAGE_BATCH_WINDOW_MS: "400", USAGE_CLAIM_IDLE_MS: "1000", DELIVERY_CLAIM_IDLE_MS: "1000" } });
});
afterAll(async () => {
  await system?.stop();
  await redis.quit();
});

/** Usage events billing has read and not acknowledged yet. */
const held = async () => Number(((await redis.xpending(usageEventsKey(system.prefix), USAGE_GROUP)) as unknown[])[0] ?? 0);

const count = async (ids: string[]) =>
  (
    await system.db.query(
      "SELECT count(*)::int AS rows, count(DISTINCT request_id)::int AS requests FROM usage_records WHERE request_id = ANY($1)",
      [ids],
    )
  ).rows[0] as { rows: number; requests: number };

describe("when billing is killed with SIGKILL while it holds usage events", () => {
  it("then a billing started again bills every request exactly once: nothing lost, nothing doubled", async () => {
    const answers = await Promise.all(
      Array.from({ length: 30 }, () =>
        system.openai.chat.completions
          .create({ model: MODEL, messages: [{ role: "user", content: "Tell me a story." }], max_tokens: 8 })
          .withResponse(),
      ),
    );
    const ids = answers.map(({ response }) => response.headers.get("x-request-id")!);
    expect(new Set(ids).size).toBe(30);

    // Killed while it has events in hand (read from the usage stream, not acknowledged).
    await expect.poll(held, { timeout: 10_000, interval: 5 }).toBeGreaterThan(0);
    await system.services.billing.stop("SIGKILL");
    const before = await count(ids);

    await system.restartBilling();
    await expect.poll(async () => (await count(ids)).requests, { timeout: 20_000 }).toBe(30);
    // Re-deliveries of events already written land as duplicates, not rows: give them time, then count again.
    await expect.poll(held, { timeout: 10_000 }).toBe(0);
    expect(await count(ids)).toEqual({ rows: 30, requests: 30 });
    // The kill interrupted work in hand: events not yet written were delivered again (rows grew), or
    // ones written but not yet acknowledged came back and were recognised as repeats.
    const metrics = await (await fetch(`${system.serviceUrls.billing}/metrics`)).text();
    const duplicates = Number(/^gateway_billing_duplicate_events_total(?:\{[^}]*\})? (\d+)$/m.exec(metrics)?.[1] ?? NaN);
    expect(before.rows < 30 || duplicates > 0).toBe(true);
    const outcomes = (await system.db.query("SELECT outcome, completion_tokens FROM usage_records WHERE request_id = ANY($1)", [ids])).rows;
    expect(
      outcomes.every((r: { outcome: string; completion_tokens: number }) => r.outcome === "succeeded" && r.completion_tokens === 8),
    ).toBe(true);
    // The operator's check agrees: every answer billed once and delivered.
    await untilReconciled(system);
  });
});
