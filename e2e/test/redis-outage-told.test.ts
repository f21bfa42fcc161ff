import { startRedisServer, type RedisServer } from "@gateway/test-kit/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MODEL, startSystem, type System } from "./start-system.ts";
import { untilReconciled } from "./support/reconcile.ts";

/**
 * Redis down for longer than the edge waits for it (QUEUE_OUTAGE_WAIT_MS), with generations
 * running and jobs queued behind them: each client is told 503 `queue_unavailable` at the end
 * of the wait, and once Redis is back their jobs are cancelled (running ones stop, queued ones
 * never start), so no tenant is billed for an answer it was told it would not get.
 */
const WAIT_MS = 1_500;
const DOWN_MS = 3_000;
/** 200 tokens at 40 ms: a generation runs ~8 s, past Redis's return. */
const TOKENS = 200;
let redis: RedisServer;
let system: System;
beforeAll(async () => {
  redis = await startRedisServer({ appendfsync: "always" });
  system = await startSystem({
    redisUrl: redis.url,
    sim: { interTokenMs: 40, naturalTokens: 500, slots: 2 },
    edgeEnv: { QUEUE_OUTAGE_WAIT_MS: String(WAIT_MS) },
  });
}, 120_000);
afterAll(async () => {
  await system?.stop();
  await redis?.stop();
});

async function chat(stream: boolean) {
  const res = await fetch(`${system.edgeUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${system.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "A long story, please." }], max_tokens: TOKENS, stream }),
  });
  const requestId = res.headers.get("x-request-id")!;
  const text = await res.text();
  // A stream's error arrives as an event after the 200; a JSON answer's as the envelope.
  const code = /"code":"([a-z_]+)"/.exec(text)?.[1];
  return { requestId, status: res.status, code, endedAt: Date.now() };
}

describe("when Redis stays down longer than the edge waits for it", () => {
  it("then clients are told queue_unavailable, and their jobs are cancelled once Redis is back, never billed as answered", async () => {
    // Two generations running (the backend's two slots), two jobs waiting behind them.
    const requests = [chat(true), chat(false), chat(true), chat(false)];
    await expect.poll(() => system.sims[0]!.stats.processing, { timeout: 10_000 }).toBe(2);
    const killedAt = Date.now();
    await redis.kill();
    const told = await Promise.all(requests);
    for (const t of told) {
      expect(t.code, JSON.stringify(t)).toBe("queue_unavailable");
      expect(t.endedAt - killedAt).toBeLessThan(WAIT_MS + 2_000);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, DOWN_MS - (Date.now() - killedAt))));
    await redis.start();

    // The running generations stop soon after Redis is back, long before their natural end.
    await expect.poll(() => system.sims[0]!.stats.processing, { timeout: 4_000 }).toBe(0);
    // Past the time the generations would have finished: nothing ran to its end for nobody.
    await new Promise((r) => setTimeout(r, Math.max(0, killedAt + TOKENS * 40 + 2_000 - Date.now())));
    const ids = told.map((t) => t.requestId);
    const rows = (await system.db.query("SELECT request_id, outcome FROM usage_records WHERE request_id = ANY($1)", [ids])).rows as {
      request_id: string;
      outcome: string;
    }[];
    expect(rows.filter((r) => r.outcome === "succeeded")).toEqual([]);
    await untilReconciled(system, { timeoutMs: 30_000 });
  });
});
