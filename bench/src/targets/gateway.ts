import { adminUrl } from "@gateway/test-kit/postgres";
import pg from "pg";
import type { Backends } from "../backends.ts";
import { startRedis } from "../redis.ts";
import { startStack } from "../start-stack.ts";
import { CHAT_PATH, JSON_HEADERS, type Target } from "./target.ts";

export interface GatewayTarget extends Target {
  edge: string;
  /** Its own redis-server's port (for INFO commandstats). */
  redisPort: number;
}

/** This gateway: edge, worker and billing as separate processes, on a Redis of its own (its CPU is counted too). */
export async function startGateway(backends: Backends): Promise<GatewayTarget> {
  const redis = await startRedis();
  const stack = await startStack(backends, redis.url).catch(async (err: unknown) => {
    await redis.stop();
    throw err;
  });
  const headers = { ...JSON_HEADERS, authorization: `Bearer ${stack.apiKey}` };
  // Connected to another database, so this connection's own backend is never among those counted.
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  return {
    name: "gateway",
    edge: stack.edge,
    redisPort: Number(new URL(redis.url).port),
    fast: { url: `${stack.edge}${CHAT_PATH}`, headers, model: "bench-fast" },
    paced: { url: `${stack.edge}${CHAT_PATH}`, headers, model: "bench-paced" },
    pids: [...stack.parts.map((p) => p.pid), redis.pid],
    parts: [...stack.parts, { name: "Redis", pid: redis.pid }],
    side: {
      label: "its Postgres backends",
      async pids() {
        const { rows } = await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = ANY($1)", [stack.databases]);
        return rows.map((r) => r.pid);
      },
    },
    async stop() {
      await admin.end();
      await stack.stop();
      await redis.stop();
    },
  };
}

export interface Histogram {
  sum: number;
  count: number;
  /** Observations at or under 0.5 ms (one of the histogram's bucket bounds). */
  underHalfMs: number;
}

/** One unlabelled histogram of a service's /metrics. */
export async function readHistogram(origin: string, name: string): Promise<Histogram> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const value = (suffix: string, labels = "[^}]*") =>
    Number(new RegExp(`^${name}_${suffix}(?:\\{${labels}\\})? (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
  return { sum: value("sum"), count: value("count"), underHalfMs: value("bucket", `[^}]*le="0.0005"[^}]*`) };
}
