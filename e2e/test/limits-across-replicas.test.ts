import { ErrorEnvelope } from "@gateway/contracts";
import { TEST_REDIS_URL } from "@gateway/test-kit/redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, MODEL, startSystem, type System } from "./start-system.ts";

const N = 20;
const TTL_MS = 1_000;
let system: System;
const redis = new Redis(TEST_REDIS_URL);

beforeAll(async () => {
  system = await startSystem({
    edges: 2,
    backends: 2,
    // Every completion takes a second: long enough to be in flight while others race.
    sim: { slots: 8, ttftMs: 1_000 },
    edgeEnv: { KEY_CACHE_TTL_MS: String(TTL_MS) },
    gateway: {
      tiers: {
        rpm20: { requests_per_minute: N, tokens_per_day: 10_000_000, max_tokens: 256, max_concurrent: 1_000, priority: 10 },
        conc3: { requests_per_minute: 10_000, tokens_per_day: 10_000_000, max_tokens: 256, max_concurrent: 3, priority: 10 },
      },
    },
  });
});
afterAll(async () => {
  await system?.stop();
  await redis.quit();
});

const body = JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 4 });

/** `count` requests at once, spread over both edge processes. */
function race(secret: string, count: number, content = body) {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const res = await fetch(`${system.edgeUrls[i % 2]}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
        body: content,
      });
      return {
        status: res.status,
        headers: res.headers,
        error: res.status === 200 ? undefined : ErrorEnvelope.parse(await res.json()).error,
      };
    }),
  );
}

describe("when two edge processes share one Redis", () => {
  it(`when 200 requests race on a key allowing ${N} per minute, then exactly ${N} are admitted and the rest get 429 with correct headers`, async () => {
    const key = await system.createKey({ tier: "rpm20" });
    const results = await race(key.secret, 200);

    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(N);
    const remaining = ok.map((r) => Number(r.headers.get("x-ratelimit-remaining-requests"))).sort((a, b) => a - b);
    // Each admitted request saw its own place in the window, across both processes.
    expect(remaining).toEqual(Array.from({ length: N }, (_, i) => i));

    const refused = results.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(200 - N);
    for (const r of refused) {
      expect(r.status).toBe(429);
      expect(r.error?.code).toBe("rate_limit_exceeded");
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(r.headers.get("x-ratelimit-limit-requests")).toBe(String(N));
      expect(r.headers.get("x-ratelimit-remaining-requests")).toBe("0");
      expect(r.headers.get("x-ratelimit-reset-requests")).toMatch(/^(\d+s|1m0s)$/);
      for (const name of ["x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"])
        expect(r.headers.get(name)).not.toBeNull();
    }
  });

  it("when 50 requests race while a key allowing 3 at a time has 3 in flight, then all 50 get 429, and every slot is back afterwards", async () => {
    const key = await system.createKey({ tier: "conc3" });
    const leases = `${system.prefix}:limits:{${key.id}}:leases`;
    const first = race(key.secret, 3);
    await expect.poll(() => redis.zcard(leases), { timeout: 5_000, interval: 10 }).toBe(3);
    const results = await race(key.secret, 50);
    expect(results.filter((r) => r.status === 429 && r.error?.code === "concurrency_limit_exceeded")).toHaveLength(50);
    expect((await first).map((r) => r.status)).toEqual([200, 200, 200]);

    await expect.poll(() => redis.zcard(leases), { timeout: 5_000 }).toBe(0);
    const after = await race(key.secret, 3);
    expect(after.map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it("when a key is revoked or rotated through one process, then both refuse the old secret within the cache TTL", async () => {
    const revoked = await system.createKey({ tier: "free" });
    const rotated = await system.createKey({ tier: "free" });
    const works = (url: string, secret: string) =>
      fetch(`${url}/v1/keys`, { headers: { authorization: `Bearer ${secret}` } }).then((r) => r.status);
    for (const url of system.edgeUrls) {
      expect(await works(url, revoked.secret)).toBe(200);
      expect(await works(url, rotated.secret)).toBe(200);
    }
    const admin = (path: string, b: unknown) =>
      fetch(`${system.edgeUrls[1]}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify(b),
      });
    const changedAt = Date.now();
    await admin(`/v1/admin/keys/${revoked.id}/revoke`, {});
    const { secret: fresh } = (await (await admin(`/v1/admin/keys/${rotated.id}/rotate`, { grace_seconds: 0 })).json()) as {
      secret: string;
    };

    for (const url of system.edgeUrls) {
      expect(await works(url, fresh)).toBe(200);
      await expect.poll(() => works(url, revoked.secret), { timeout: 3 * TTL_MS, interval: 25 }).toBe(401);
      await expect.poll(() => works(url, rotated.secret), { timeout: 3 * TTL_MS, interval: 25 }).toBe(401);
    }
    expect(Date.now() - changedAt).toBeLessThan(TTL_MS + 500);
  });
});
