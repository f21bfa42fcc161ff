import { ErrorEnvelope, workersKey } from "@gateway/contracts";
import { TEST_REDIS_URL } from "@gateway/test-kit/redis";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { gatewayConfigFile, tier } from "./gateway-config.ts";
import { chatBody, post, startTestEdge, type TestEdge } from "./start-test-edge.ts";

const redis = new Redis(TEST_REDIS_URL);
afterAll(() => redis.quit());

/** Two replicas of the edge on one Redis and one database, like two pods. */
async function twoReplicas(tiers: Parameters<typeof gatewayConfigFile>[0], keyTier: string, env: Record<string, string> = {}) {
  const config = { GATEWAY_CONFIG_FILE: gatewayConfigFile(tiers), ...env };
  const a = await startTestEdge(config, { tier: keyTier });
  const b = await startTestEdge({ ...config, QUEUE_PREFIX: a.prefix, EDGE_DATABASE_URL: a.databaseUrl });
  // A heartbeat without a worker: jobs are accepted and nobody answers them.
  await redis.zadd(workersKey(a.prefix), Date.now() + 600_000, "ghost");
  await Promise.all([fetch(`${a.url}/readyz`), fetch(`${b.url}/readyz`)]);
  return [a, b] as const;
}

async function race(edges: readonly TestEdge[], count: number) {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const res = await post(`${edges[i % edges.length]!.url}/v1/chat/completions`, chatBody({ max_tokens: 8 }));
      const body = res.status === 429 ? ErrorEnvelope.parse(await res.json()) : await res.text();
      return { status: res.status, headers: res.headers, body };
    }),
  );
}

let edges: readonly TestEdge[] = [];
afterEach(async () => {
  await Promise.all(edges.map((e) => e.close()));
  edges = [];
});

describe("when 200 requests race on two replicas", () => {
  it("when the key allows N requests per minute, then exactly N are admitted and the rest get 429 rate_limit_exceeded with headers", async () => {
    edges = await twoReplicas({ rpm7: tier({ requests_per_minute: 7 }) }, "rpm7", { REQUEST_TIMEOUT_MS: "500", SETTLE_GRACE_MS: "0" });
    const results = await race(edges, 200);

    const admitted = results.filter((r) => r.status !== 429);
    expect(admitted).toHaveLength(7);
    // Admitted, then nobody answered: they end at their deadline, with the limit headers on.
    for (const r of admitted) {
      expect(r.status).toBe(504);
      expect(r.headers.get("x-ratelimit-limit-requests")).toBe("7");
    }
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(193);
    for (const r of refused) {
      expect((r.body as ErrorEnvelope).error.code).toBe("rate_limit_exceeded");
      const retryAfter = Number(r.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(r.headers.get("x-ratelimit-limit-requests")).toBe("7");
      expect(r.headers.get("x-ratelimit-remaining-requests")).toBe("0");
      expect(r.headers.get("x-ratelimit-reset-requests")).toMatch(/^(\d+s|1m0s)$/);
      expect(r.headers.get("x-ratelimit-limit-tokens")).toBe("10000000");
      expect(r.headers.get("x-ratelimit-reset-tokens")).toMatch(/^(\d+h)?(\d+m)?\d+s$/);
    }
  });

  it("when the key allows N concurrent requests, then exactly N are admitted and the rest get 429 concurrency_limit_exceeded", async () => {
    // The admitted five hold their slots until they time out: longer than the race takes even on a busy machine.
    edges = await twoReplicas({ conc5: tier({ max_concurrent: 5 }) }, "conc5", { REQUEST_TIMEOUT_MS: "4000", SETTLE_GRACE_MS: "0" });
    const results = await race(edges, 200);

    expect(results.filter((r) => r.status === 504)).toHaveLength(5);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(195);
    for (const r of refused) {
      expect((r.body as ErrorEnvelope).error.code).toBe("concurrency_limit_exceeded");
      expect(r.headers.get("retry-after")).toBe("1");
      expect(r.headers.get("x-ratelimit-remaining-requests")).not.toBeNull();
    }
    // Every slot came back when the admitted requests ended: a new request is admitted at once.
    const again = await post(`${edges[1]!.url}/v1/chat/completions`, chatBody({ max_tokens: 8 }), { "x-request-id": "after-the-race-1" });
    expect(again.status).toBe(504);
  });

  it("when the key's daily tokens are nearly used up, then concurrent reservations never pass the budget", async () => {
    // Each request reserves 32 (prompt bound) + 100 (max_tokens) = 132 tokens: 7 fit in 1,000.
    edges = await twoReplicas({ tok: tier({ tokens_per_day: 1_000 }) }, "tok", { REQUEST_TIMEOUT_MS: "2000", SETTLE_GRACE_MS: "0" });
    const results = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const res = await post(`${edges[i % 2]!.url}/v1/chat/completions`, chatBody({ max_tokens: 100 }));
        return {
          status: res.status,
          body: res.status === 429 ? ErrorEnvelope.parse(await res.json()) : undefined,
          remaining: res.headers.get("x-ratelimit-remaining-tokens"),
        };
      }),
    );
    expect(results.filter((r) => r.status === 504)).toHaveLength(7);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(33);
    for (const r of refused) {
      expect(r.body?.error.code).toBe("token_quota_exceeded");
      expect(r.body?.error.message).toContain("up to 132 tokens");
      expect(r.remaining).toBe(String(1_000 - 7 * 132));
    }
  });
});
