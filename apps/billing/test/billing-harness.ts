import { randomUUID } from "node:crypto";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { GatewayConfig, USAGE_GROUP, usageEventsKey, type UsageEvent } from "@gateway/contracts";
import { createLogger, createRegistry, type Registry } from "@gateway/observability";
import { appendUsageEvent, createRedis } from "@gateway/queue";
import { createTestDatabase, type TestDatabase } from "@gateway/test-kit/postgres";
import type { Redis } from "ioredis";
import type pg from "pg";
import { inject } from "vitest";
import { openBillingDatabase } from "../src/billing-database.ts";
import { createBilling, type Billing } from "../src/create-billing.ts";
import type { PrismaClient } from "../src/generated/prisma/client.ts";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const TOKEN = "test-internal-token-0123456789";

export const GATEWAY: GatewayConfig = GatewayConfig.parse({
  max_content_chars: 32_768,
  models: [
    {
      id: "llama-small",
      backends: ["http://127.0.0.1:1"],
      max_output_tokens: 256,
      price: { prompt_per_1k: "0.123456789012", completion_per_1k: "0.5" },
    },
    {
      id: "llama-free",
      backends: ["http://127.0.0.1:1"],
      max_output_tokens: 256,
      price: { prompt_per_1k: "0", completion_per_1k: "0" },
    },
  ],
});

export interface Harness {
  baseUrl: string;
  prisma: PrismaClient;
  /** The pool under `prisma`. */
  pool: pg.Pool;
  registry: Registry;
  /** Appends a usage event to the stream, as a worker does. */
  publish(event: UsageEvent): Promise<void>;
  /** Resolves once billing has read and acknowledged every usage event appended so far. */
  drained(timeoutMs?: number): Promise<void>;
  billing: Billing;
  prefix: string;
  redis: Redis;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** A namespace the test prepared before billing starts (e.g. a dead consumer's pending deliveries). */
  prefix?: string;
  claimIdleMs?: number;
  usageClaimIdleMs?: number;
}

/** A running billing service on its own database and queue prefix, with real Postgres and Redis. */
export async function startBilling(options: HarnessOptions = {}): Promise<Harness> {
  const db: TestDatabase = await createTestDatabase(inject("billingTemplate"));
  const database = openBillingDatabase(db.url);
  const { prisma } = database;
  const redis = createRedis(REDIS_URL, "blocking");
  const producerRedis = createRedis(REDIS_URL, "commands", { enableAutoPipelining: false });
  const prefix = options.prefix ?? `test-${randomUUID()}`;
  const registry = createRegistry("billing");
  const billing = createBilling({
    ...database,
    redis,
    gateway: GATEWAY,
    registry,
    logger: createLogger({ service: "billing", level: "silent", sync: true }),
    queuePrefix: prefix,
    batchSize: 16,
    batchWindowMs: 5,
    internalToken: TOKEN,
    consumerName: `billing-${randomUUID()}`,
    usageClaimIdleMs: options.usageClaimIdleMs ?? 30_000,
    claimIdleMs: options.claimIdleMs ?? 60_000,
  });
  const server = billing.app.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    prisma,
    pool: database.pool,
    registry,
    publish: (event) => appendUsageEvent(producerRedis, prefix, event),
    drained: (timeoutMs) => usageDrained(producerRedis, prefix, timeoutMs),
    billing,
    prefix,
    redis,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      billing.sweep.stop();
      await Promise.all([billing.usage.close(), billing.deliveries.close()]);
      await deleteKeys(producerRedis, `${prefix}:*`);
      await database.close();
      await Promise.all([redis.quit(), producerRedis.quit()]);
      await db.drop();
    },
  };
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

let sequence = 0;

/** A valid usage event for `tenant`, unique unless `request_id` is given. */
export function usageEvent(overrides: Partial<UsageEvent> & { tenant?: string } = {}): UsageEvent {
  const { tenant = "tenant-a", ...rest } = overrides;
  return {
    v: 1,
    request_id: `req-${randomUUID()}-${++sequence}`,
    caller: { tenant_id: tenant, key_id: "key-1", tier: "free" },
    model: "llama-small",
    prompt_tokens: 10,
    completion_tokens: 5,
    outcome: "succeeded",
    backend: "http://127.0.0.1:1",
    started_at: new Date(Date.now() - 1_000).toISOString(),
    finished_at: new Date().toISOString(),
    ...rest,
  };
}

/** Polls until billing's group has read every usage event and holds none unacknowledged. */
async function usageDrained(redis: Redis, prefix: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const groups = (await redis.xinfo("GROUPS", usageEventsKey(prefix)).catch(() => [])) as unknown[][];
    const group = groups.map((g) => Object.fromEntries(pairs(g))).find((g) => g.name === USAGE_GROUP);
    if (group && Number(group.lag) === 0 && Number(group.pending) === 0) return;
    if (Date.now() > deadline) throw new Error(`usage events not drained within ${timeoutMs} ms: ${JSON.stringify(group)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const pairs = (flat: unknown[]): [string, unknown][] => {
  const out: [string, unknown][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([String(flat[i]), flat[i + 1]]);
  return out;
};

/** The current value of one series (0 when untouched); `name` may be a histogram's `_count` or `_sum`. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name) ?? registry.getSingleMetric(name.replace(/_(count|sum)$/, ""));
  if (!metric) return 0;
  // Histograms name each value's series (`_bucket`, `_sum`, `_count`); counters do not.
  const values: { value: number; labels: Record<string, unknown>; metricName?: string }[] = (await metric.get()).values;
  const match = values.find((v) => (v.metricName ?? name) === name && Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return match?.value ?? 0;
}
