import { simCompletion } from "@gateway/test-kit/llama-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelDetail } from "./billing-rows.ts";
import { MODEL, startSystem, type System } from "./start-system.ts";

let system: System;

beforeAll(async () => {
  system = await startSystem({
    backends: 3,
    sim: { interTokenMs: 1 },
    workerEnv: { PROBE_INTERVAL_MS: "200", BREAKER_RESET_MS: "500" },
  });
});
afterAll(() => system?.stop());

const messages = [{ role: "user" as const, content: "Tell me about a dog in the park." }];

describe("when one of three backends dies under steady load", () => {
  it("then no non-stream request fails, its breaker opens, and it rejoins once it recovers", async () => {
    const expected = simCompletion(messages, 6).text;
    const victim = system.sims[1]!;
    const detail = () => modelDetail(system.edgeUrl, system.apiKey, MODEL);
    let running = true;
    const outcomes = { ok: 0, wrong: 0, failed: [] as string[] };
    const loop = async () => {
      while (running) {
        try {
          const r = await system.openai.chat.completions.create({ model: MODEL, messages, max_tokens: 6 });
          if (r.choices[0]?.message.content === expected) outcomes.ok++;
          else outcomes.wrong++;
        } catch (err) {
          outcomes.failed.push(String(err));
        }
      }
    };
    const loops = Array.from({ length: 6 }, loop);
    try {
      await expect.poll(() => victim.stats.completed, { timeout: 10_000 }).toBeGreaterThan(5);

      await victim.faults.die();
      await expect.poll(async () => (await detail()).backends[1]?.breaker, { timeout: 15_000 }).toBe("open");
      expect((await detail()).status).toBe("degraded");
      const servedBeforeRevive = victim.stats.completed;
      await new Promise((r) => setTimeout(r, 1_000));

      await victim.faults.revive();
      await expect.poll(async () => (await detail()).backends[1], { timeout: 15_000 }).toMatchObject({ state: "ready", breaker: "closed" });
      await expect.poll(() => victim.stats.completed, { timeout: 10_000 }).toBeGreaterThan(servedBeforeRevive + 5);
      expect((await detail()).status).toBe("ready");
    } finally {
      running = false;
      await Promise.all(loops);
    }
    expect(outcomes.failed).toEqual([]);
    expect(outcomes.wrong).toBe(0);
    expect(outcomes.ok).toBeGreaterThan(50);
  });
});
