import { backendCounterField, backendCountersKey, backendScrapeLeaseKey, backendTokensKey } from "@gateway/contracts";
import { createLogger, createRegistry } from "@gateway/observability";
import { createRedis } from "@gateway/queue";
import { simPromptTokens, startLlamaSim } from "@gateway/test-kit/llama-sim";
import { cleanPrefix, testPrefix, TEST_REDIS_URL } from "@gateway/test-kit/redis";
import { afterAll, describe, expect, it } from "vitest";
import { BackendTokenCounters } from "../src/backends/backend-token-counters.ts";
import type { TokenCounters } from "../src/llama/read-token-counters.ts";
import { workerMetrics } from "../src/worker-metrics.ts";
import { useWorkerHarness, type Harness } from "./worker-harness.ts";

const { setup, start, sims } = useWorkerHarness();
const redis = createRedis(TEST_REDIS_URL, "commands", { enableAutoPipelining: false });
const unitPrefixes: string[] = [];
afterAll(async () => {
  await Promise.all(unitPrefixes.map((p) => cleanPrefix(p)));
  await redis.quit();
});
const unitPrefix = () => {
  const prefix = testPrefix();
  unitPrefixes.push(prefix);
  return prefix;
};

const today = () => new Date().toISOString().slice(0, 10);
/** A short probe timeout keeps the scrape lease (and so the time between readings) short. */
const FAST = { PROBE_TIMEOUT_MS: "200" };

async function counted(prefix: string, url: string) {
  const day = await redis.hgetall(backendTokensKey(prefix, today()));
  return {
    prompt: Number(day[backendCounterField(url, "prompt")] ?? 0),
    predicted: Number(day[backendCounterField(url, "predicted")] ?? 0),
  };
}

async function run(h: Harness, maxTokens: number) {
  const job = h.job({}, { max_tokens: maxTokens });
  await h.submit(job);
  expect((await h.finished(job.request_id)).final.type).toBe("result");
}

const prompt = simPromptTokens([{ role: "user", content: "Tell me a story about a cat." }]);

describe("backend token counters", () => {
  it("when two workers probe one backend, then each token it counted is added to the day's totals once", async () => {
    const sim = await startLlamaSim();
    const prefix = testPrefix();
    const one = await start([sim], FAST, prefix);
    // Another interval, so that their rounds drift apart and each gets turns at the backend.
    const two = await start([sim], { ...FAST, PROBE_INTERVAL_MS: "130" }, prefix);
    const readings = (h: Harness) => h.metricValue("gateway_backend_token_counter_reads_total", { outcome: "recorded" });
    const bothReadAgain = async () => {
      const [a, b] = [await readings(one), await readings(two)];
      await expect.poll(async () => (await readings(one)) > a && (await readings(two)) > b, { timeout: 20_000 }).toBe(true);
    };
    await bothReadAgain();
    for (let i = 0; i < 3; i++) await run(one, 8);
    await bothReadAgain();
    for (let i = 0; i < 3; i++) await run(two, 8);
    await bothReadAgain();
    expect(await counted(prefix, sim.url)).toEqual({ prompt: 6 * prompt, predicted: 48 });
  });

  it("when the backend restarts (its counters back to 0) with tokens already counted again, then the total still adds up", async () => {
    const h = await setup(1, {}, FAST);
    const sim = sims[0]!;
    for (let i = 0; i < 4; i++) await run(h, 16);
    await expect.poll(() => counted(h.prefix, sim.url), { timeout: 10_000 }).toEqual({ prompt: 4 * prompt, predicted: 64 });

    const backend = h.worker.pool.get(sim.url)!;
    await sim.faults.die();
    await expect.poll(() => backend.state, { timeout: 5_000 }).toBe("down");
    // No worker may read it until it has counted again, from 0: its first reading is then below the last one.
    await redis.set(backendScrapeLeaseKey(h.prefix, sim.url), "test", "PX", 60_000);
    await sim.faults.revive();
    await expect.poll(() => backend.state, { timeout: 5_000 }).toBe("ready");
    await run(h, 8);
    await redis.del(backendScrapeLeaseKey(h.prefix, sim.url));
    await expect.poll(() => counted(h.prefix, sim.url), { timeout: 10_000 }).toEqual({ prompt: 5 * prompt, predicted: 72 });
    expect(await h.metricValue("gateway_backend_token_counter_reads_total", { outcome: "reset" })).toBe(1);
  });

  it("when a backend has no /metrics (started without --metrics), then it stays ready with a closed breaker and counts as unavailable", async () => {
    const h = await setup(1, { metrics: false }, FAST);
    const url = h.worker.pool.all()[0]!.url;
    await run(h, 4);
    await expect
      .poll(() => h.metricValue("gateway_backend_token_counter_reads_total", { backend: url, outcome: "unavailable" }))
      .toBeGreaterThan(1);
    const backend = h.worker.pool.get(url)!;
    expect([backend.state, backend.breaker.state]).toEqual(["ready", "closed"]);
    expect(await counted(h.prefix, url)).toEqual({ prompt: 0, predicted: 0 });
  });
});

describe("BackendTokenCounters", () => {
  const url = "http://backend.example:8080";
  const make = (prefix: string, worker: string) =>
    new BackendTokenCounters(
      redis,
      prefix,
      worker,
      10_000,
      workerMetrics(createRegistry("worker")),
      createLogger({ service: "t", level: "silent", sync: true }),
    );
  const reading = (counters: TokenCounters) => () => Promise.resolve(counters);
  /** The lease running out between two rounds. */
  const nextRound = (prefix: string) => redis.del(backendScrapeLeaseKey(prefix, url));

  it("when readings come one after another, then the first sets the baseline, each next adds its increase, a drop counts from 0", async () => {
    const prefix = unitPrefix();
    const a = make(prefix, "worker-a");
    const b = make(prefix, "worker-b");
    await a.offer(url, reading({ prompt: 1_000, predicted: 500 }));
    await nextRound(prefix);
    await b.offer(url, reading({ prompt: 1_100, predicted: 540 }));
    await nextRound(prefix);
    // Restarted, and counted 30 + 7 since.
    await a.offer(url, reading({ prompt: 30, predicted: 7 }));
    await nextRound(prefix);
    // One series missing: the other is still counted.
    await b.offer(url, reading({ predicted: 9 }));
    expect(await counted(prefix, url)).toEqual({ prompt: 130, predicted: 49 });
    expect(await redis.hgetall(backendCountersKey(prefix))).toEqual({
      [backendCounterField(url, "prompt")]: "30",
      [backendCounterField(url, "predicted")]: "9",
    });
    expect(await redis.ttl(backendTokensKey(prefix, today()))).toBeGreaterThan(39 * 86_400);
  });

  it("when another worker holds the backend's lease, then this one does not read it; a reading that outlived its lease is dropped", async () => {
    const prefix = unitPrefix();
    const a = make(prefix, "worker-a");
    const b = make(prefix, "worker-b");
    await a.offer(url, reading({ prompt: 10, predicted: 10 }));
    let read = false;
    await b.offer(url, () => ((read = true), Promise.resolve({ prompt: 20, predicted: 20 })));
    expect(read).toBe(false);
    await nextRound(prefix);
    // A's read took so long that its lease expired and B's round began and recorded.
    await a.offer(url, async () => {
      await nextRound(prefix);
      await b.offer(url, reading({ prompt: 50, predicted: 50 }));
      return { prompt: 40, predicted: 40 };
    });
    expect(await counted(prefix, url)).toEqual({ prompt: 40, predicted: 40 });
  });
});
