import { ErrorEnvelope, limitKeys, type ChatJob } from "@gateway/contracts";
import { startLlamaSim, type LlamaSim } from "@gateway/test-kit/llama-sim";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { withLimitCommands } from "../src/limits/limit-scripts.ts";
import { utcDay } from "../src/limits/utc-day.ts";
import { TEST_REDIS_URL } from "@gateway/test-kit/redis";
import { startRedisServer } from "@gateway/test-kit/services";
import { until } from "@gateway/test-kit/until";
import { resultOf, startFakeWorker, type FakeWorker } from "./fake-worker.ts";
import { gatewayConfigFile, tier } from "./gateway-config.ts";
import { chatBody, post, startTestEdge, TEST_KEY, type TestEdge } from "./start-test-edge.ts";

const redis = withLimitCommands(new Redis(TEST_REDIS_URL));
afterAll(() => redis.quit());

let edge: TestEdge | undefined;
let worker: FakeWorker | undefined;
let sim: LlamaSim | undefined;
afterEach(async () => {
  await worker?.close();
  await edge?.close();
  await sim?.close();
  edge = worker = sim = undefined;
});

/** The key's id, as the edge stores it (the ticket keys its limits by it). */
async function keyIdOf(e: TestEdge): Promise<string> {
  const res = await fetch(`${e.url}/v1/keys`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
  return ((await res.json()) as { data: Array<{ id: string }> }).data[0]!.id;
}

async function limitState(e: TestEdge) {
  const keys = limitKeys(e.prefix, await keyIdOf(e));
  const [leases, reserved, used] = await Promise.all([
    redis.zcard(keys.leases),
    redis.hgetall(keys.reserved),
    redis.get(keys.used(utcDay(Date.now()))),
  ]);
  return { leases, reserved, used: Number(used ?? 0) };
}

const url = () => `${edge!.url}/v1/chat/completions`;

describe("when a request is admitted", () => {
  it("then the job carries the tier's priority, the answer the six rate limit headers and its cost, and the real usage is settled", async () => {
    edge = await startTestEdge(
      { GATEWAY_CONFIG_FILE: gatewayConfigFile({ gold: tier({ priority: 3, requests_per_minute: 50, tokens_per_day: 5_000 }) }) },
      { tier: "gold" },
    );
    const jobs: ChatJob[] = [];
    worker = await startFakeWorker(edge.prefix, async (job) => {
      jobs.push(job);
      return [resultOf(job, 11, 7)];
    });
    await fetch(`${edge.url}/readyz`);
    const res = await post(url(), chatBody({ max_tokens: 100 }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { usage: Record<string, unknown> };
    // 11 prompt tokens × 0.001/1k + 7 completion × 0.002/1k, exactly.
    expect(body.usage).toEqual({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18, cost: "0.000025" });
    expect(res.headers.get("x-usage-cost")).toBe("0.000025");
    expect(res.headers.get("x-ratelimit-limit-requests")).toBe("50");
    expect(res.headers.get("x-ratelimit-remaining-requests")).toBe("49");
    expect(res.headers.get("x-ratelimit-reset-requests")).toMatch(/^(\d+s|1m0s)$/);
    expect(res.headers.get("x-ratelimit-limit-tokens")).toBe("5000");
    // The reservation (32 prompt bound + 100 max_tokens) is what was left while the request ran.
    expect(res.headers.get("x-ratelimit-remaining-tokens")).toBe(String(5_000 - 132));
    expect(res.headers.get("x-ratelimit-reset-tokens")).toMatch(/^(\d+h)?(\d+m)?\d+s$/);

    const queue = new Queue("inference", { connection: redis, prefix: edge.prefix });
    expect((await queue.getJob(jobs[0]!.request_id))?.opts.priority).toBe(3);
    await queue.close();
    await until(async () => (await limitState(edge!)).used === 18);
    expect(await limitState(edge)).toEqual({ leases: 0, reserved: {}, used: 18 });
  });

  it("when the request names no max_tokens, then the tier's cap bounds the job; above the cap it is a 400 naming the limit", async () => {
    edge = await startTestEdge({ GATEWAY_CONFIG_FILE: gatewayConfigFile({ small: tier({ max_tokens: 64 }) }) }, { tier: "small" });
    const jobs: ChatJob[] = [];
    worker = await startFakeWorker(edge.prefix, async (job) => (jobs.push(job), [resultOf(job, 1, 1)]));
    await fetch(`${edge.url}/readyz`);
    expect((await post(url(), chatBody())).status).toBe(200);
    expect(jobs[0]?.params.max_tokens).toBe(64);

    const res = await post(url(), chatBody({ max_tokens: 65 }));
    expect(res.status).toBe(400);
    const { error } = ErrorEnvelope.parse(await res.json());
    expect(error).toMatchObject({ code: "max_tokens_exceeded", param: "max_tokens" });
    expect(error.message).toBe("max_tokens must be at most 64 for this API key's 'small' tier");
  });
});

describe("when a request fails before admission", () => {
  it("when the body is invalid, then the 400 still carries the rate limit headers, and nothing was counted", async () => {
    edge = await startTestEdge({ GATEWAY_CONFIG_FILE: gatewayConfigFile({ gold: tier({ requests_per_minute: 50 }) }) }, { tier: "gold" });
    const res = await post(url(), chatBody({ temperature: 9 }));
    expect(res.status).toBe(400);
    expect(res.headers.get("x-ratelimit-limit-requests")).toBe("50");
    expect(res.headers.get("x-ratelimit-remaining-requests")).toBe("50");
    expect(res.headers.get("x-ratelimit-remaining-tokens")).toBe("10000000");
    expect(await limitState(edge)).toEqual({ leases: 0, reserved: {}, used: 0 });
  });
});

describe("when a request ends without a result", () => {
  it("when the client disconnects mid-job, then the slot is freed and the tokens the worker reports as produced are counted", async () => {
    edge = await startTestEdge({ GATEWAY_CONFIG_FILE: gatewayConfigFile({ one: tier({ max_concurrent: 1 }) }) }, { tier: "one" });
    worker = await startFakeWorker(edge.prefix, async (job, { cancelled }) => {
      await until(cancelled, 5_000);
      // What the real worker sends when a cancel aborts a generation: the usage it bills.
      return [
        {
          type: "error",
          request_id: job.request_id,
          code: "client_closed_request",
          message: "request cancelled",
          usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
        },
      ];
    });
    await fetch(`${edge.url}/readyz`);
    const controller = new AbortController();
    const pending = fetch(url(), {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
      body: JSON.stringify(chatBody()),
      signal: controller.signal,
    }).catch(() => undefined);
    await until(async () => (await limitState(edge!)).leases === 1);
    controller.abort();
    await pending;
    await until(async () => (await limitState(edge!)).used === 13);
    expect(await limitState(edge)).toEqual({ leases: 0, reserved: {}, used: 13 });
  });

  it("when nobody answers before the deadline, then the slot and the reservation are released after the settle grace, nothing counted", async () => {
    edge = await startTestEdge({ REQUEST_TIMEOUT_MS: "300", SETTLE_GRACE_MS: "300" });
    await redis.zadd(`${edge.prefix}:workers`, Date.now() + 60_000, "ghost");
    await fetch(`${edge.url}/readyz`);
    expect((await post(url(), chatBody())).status).toBe(504);
    expect((await limitState(edge)).leases).toBe(1);
    await until(async () => (await limitState(edge!)).leases === 0, 3_000);
    expect(await limitState(edge)).toEqual({ leases: 0, reserved: {}, used: 0 });
  });

  it("when an edge dies holding a slot, then the slot is free again once its lease runs out", async () => {
    edge = await startTestEdge(
      { GATEWAY_CONFIG_FILE: gatewayConfigFile({ one: tier({ max_concurrent: 1 }) }), LIMIT_LEASE_MS: "1000" },
      { tier: "one" },
    );
    worker = await startFakeWorker(edge.prefix, async (job) => [resultOf(job, 1, 1)]);
    await fetch(`${edge.url}/readyz`);
    // A replica that admitted a request and then died: it never renews nor releases.
    const keys = limitKeys(edge.prefix, await keyIdOf(edge));
    await redis.gwAdmit(
      keys.leases,
      keys.reserved,
      keys.used(utcDay(Date.now())),
      Date.now(),
      1_000,
      "req-of-a-dead-edge",
      1,
      10_000_000,
      50,
    );

    const blocked = await post(url(), chatBody());
    expect(blocked.status).toBe(429);
    expect(ErrorEnvelope.parse(await blocked.json()).error.code).toBe("concurrency_limit_exceeded");
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await post(url(), chatBody())).status).toBe(200);
    const metrics = await (await fetch(`${edge.url}/metrics`)).text();
    expect(metrics).toMatch(/gateway_edge_limit_leases_expired_total\{[^}]*\} 1/);
  });
});

describe("when the token budget is nearly spent", () => {
  it("when the prompt's byte bound does not fit but its real count does, then the backend's /tokenize decides and the request is admitted", async () => {
    sim = await startLlamaSim();
    // 200 words: the byte bound is 1,016 + 10; the simulator counts 200 tokens (+ template allowance).
    const content = Array.from({ length: 200 }, () => "word").join(" ");
    edge = await startTestEdge(
      { GATEWAY_CONFIG_FILE: gatewayConfigFile({ tight: tier({ tokens_per_day: 500 }) }, [sim.url]) },
      { tier: "tight" },
    );
    worker = await startFakeWorker(edge.prefix, async (job) => {
      await new Promise((r) => setTimeout(r, 200));
      return [resultOf(job, 204, 10)];
    });
    await fetch(`${edge.url}/readyz`);
    const pending = post(url(), chatBody({ messages: [{ role: "user", content }], max_tokens: 10 }));
    await until(async () => Object.keys((await limitState(edge!)).reserved).length === 1);
    expect(Object.values((await limitState(edge)).reserved)).toEqual([String(200 + 16 + 10)]);
    expect((await pending).status).toBe(200);
    expect(await (await fetch(`${edge.url}/metrics`)).text()).toMatch(
      /gateway_edge_tokenize_requests_total\{[^}]*outcome="counted"[^}]*\} 1/,
    );
  });

  it("when even the rest of the day cannot hold the request, then 429 token_quota_exceeded says to wait until midnight UTC", async () => {
    edge = await startTestEdge({ GATEWAY_CONFIG_FILE: gatewayConfigFile({ tight: tier({ tokens_per_day: 1_000 }) }) }, { tier: "tight" });
    worker = await startFakeWorker(edge.prefix, async (job) => [resultOf(job, 1, 1)]);
    await fetch(`${edge.url}/readyz`);
    await redis.set(limitKeys(edge.prefix, await keyIdOf(edge)).used(utcDay(Date.now())), 950);
    const res = await post(url(), chatBody({ max_tokens: 100 }));
    expect(res.status).toBe(429);
    expect(ErrorEnvelope.parse(await res.json()).error.code).toBe("token_quota_exceeded");
    const untilMidnight = Math.ceil((86_400_000 - (Date.now() % 86_400_000)) / 1000);
    expect(Math.abs(Number(res.headers.get("retry-after")) - untilMidnight)).toBeLessThan(5);
    expect(res.headers.get("x-ratelimit-remaining-tokens")).toBe("50");
  });
});

describe("when Redis takes the limits' commands and does not answer", () => {
  it("then the request is told 503 queue_unavailable within QUEUE_OUTAGE_WAIT_MS, and the lease Redis takes late is given back", async () => {
    // A Redis of this test's own: pausing it must not stall the other tests.
    const own = await startRedisServer();
    const ownRedis = new Redis(own.url);
    try {
      edge = await startTestEdge({ REDIS_URL: own.url, QUEUE_OUTAGE_WAIT_MS: "500" });
      worker = await startFakeWorker(edge.prefix, async (job) => [resultOf(job, 1, 1)], own.url);
      await fetch(`${edge.url}/readyz`);
      const keys = limitKeys(edge.prefix, await keyIdOf(edge));
      expect((await post(url(), chatBody())).status).toBe(200);
      // Scripts and writes wait until the pause ends, as commands sent just before a Redis dies wait for it.
      await ownRedis.call("CLIENT", "PAUSE", "2500", "WRITE");
      const sentAt = Date.now();
      const res = await post(url(), chatBody());
      expect(res.status).toBe(503);
      expect(ErrorEnvelope.parse(await res.json()).error.code).toBe("queue_unavailable");
      expect(Date.now() - sentAt).toBeLessThan(2_000);
      await until(async () => (await ownRedis.zcard(keys.leases)) === 0 && (await ownRedis.hlen(keys.reserved)) === 0, 8_000);
    } finally {
      await worker?.close();
      await edge?.close();
      edge = worker = undefined;
      await ownRedis.quit();
      await own.stop();
    }
  });
});
