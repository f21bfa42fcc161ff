import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CHANNELS,
  edgesKey,
  RelayMessage,
  UsageEvent,
  usageEventsKey,
  type ChunkMessage,
  type EmbeddingsJob,
  type ChatJob,
} from "@gateway/contracts";
import { createLogger, createRegistry, type Registry } from "@gateway/observability";
import { createRedis, startHeartbeat } from "@gateway/queue";
import { startLlamaSim, type LlamaSim, type LlamaSimOptions } from "@gateway/test-kit/llama-sim";
import { cleanPrefix, testPrefix, TEST_REDIS_URL } from "@gateway/test-kit/redis";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterEach } from "vitest";
import { parseWorkerEnv } from "../src/env.ts";
import { startWorker, type RunningWorker } from "../src/start-worker.ts";

export const MODEL = "stories";

export interface Finished {
  chunks: ChunkMessage[];
  final: Exclude<RelayMessage, ChunkMessage>;
}

/** Writes a gateway config file: for models with embeddings pools, aliases, context overrides. */
export function configFile(config: object): string {
  const file = join(mkdtempSync(join(tmpdir(), "gw-worker-")), "gateway.json");
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/**
 * One worker in-process against real Redis under a fresh prefix, plus what the edge would hold:
 * a subscription to its own reply channel (made before anything is enqueued) and the queues.
 * By default the sims are model MODEL's chat pool; GATEWAY_CONFIG_FILE in `overrides` replaces that.
 */
export async function startHarness(sims: LlamaSim[], overrides: Record<string, string> = {}, prefix = testPrefix()) {
  const edgeId = `edge-${randomUUID()}`;
  const replyTo = CHANNELS.reply(prefix, edgeId);
  const pool = overrides.GATEWAY_CONFIG_FILE ? {} : { LLAMA_SERVER_URLS: sims.map((s) => s.url).join(","), GATEWAY_MODEL: MODEL };
  const env = parseWorkerEnv({
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    WORKER_ID: `worker-${randomUUID()}`,
    ...pool,
    PROBE_INTERVAL_MS: "100",
    BACKEND_RETRY_BACKOFF_MS: "5",
    ...overrides,
  });
  const registry: Registry = createRegistry("worker");
  const logger = createLogger({ service: "worker-test", level: process.env.TEST_LOG_LEVEL ?? "silent", sync: true });
  const worker: RunningWorker = await startWorker({ env, logger, registry });

  const redis: Redis = createRedis(TEST_REDIS_URL, "commands");
  const subscriber: Redis = createRedis(TEST_REDIS_URL, "commands", { enableAutoPipelining: false });
  const received = new Map<string, RelayMessage[]>();
  const listeners = new Set<() => void>();
  subscriber.on("message", (_channel: string, raw: string) => {
    const message = RelayMessage.parse(JSON.parse(raw));
    const list = received.get(message.request_id) ?? [];
    list.push(message);
    received.set(message.request_id, list);
    for (const l of listeners) l();
  });
  // Subscribing during ioredis's ready check makes it reconnect (and drop messages): wait for ready.
  if (subscriber.status !== "ready") await once(subscriber, "ready");
  await subscriber.subscribe(replyTo);
  // The edge's heartbeat: without it the worker would cancel this "edge's" jobs as orphans.
  const edgeBeat = await startHeartbeat(redis, edgesKey(prefix), edgeId, 500, logger);
  const connection = createRedis(TEST_REDIS_URL, "blocking");
  const inference = new Queue("inference", { connection, prefix });

  const job = (over: Partial<ChatJob> = {}, params: Partial<ChatJob["params"]> = {}): ChatJob => ({
    v: 1,
    kind: "chat",
    request_id: `req-${randomUUID()}`,
    model: MODEL,
    caller: { tenant_id: "tenant-1", key_id: "key-1", tier: "free" },
    params: { messages: [{ role: "user", content: "Tell me a story about a cat." }], max_tokens: 32, ...params },
    stream: false,
    reply_to: replyTo,
    accepted_at: Date.now(),
    deadline_at: Date.now() + 60_000,
    ...over,
  });

  const embeddingsJob = (over: Partial<EmbeddingsJob> = {}): EmbeddingsJob => ({
    v: 1,
    kind: "embeddings",
    request_id: `req-${randomUUID()}`,
    model: MODEL,
    caller: { tenant_id: "tenant-1", key_id: "key-1", tier: "free" },
    prompts: ["Once upon a time"],
    encoding_format: "float",
    reply_to: replyTo,
    accepted_at: Date.now(),
    deadline_at: Date.now() + 60_000,
    ...over,
  });

  /** Resolves when a message matching `until` arrived for the request. */
  const waitFor = (requestId: string, until: (m: RelayMessage[]) => boolean, timeoutMs = 10_000) =>
    new Promise<RelayMessage[]>((resolve, reject) => {
      const check = () => {
        const list = received.get(requestId) ?? [];
        if (!until(list)) return;
        cleanup();
        resolve(list);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching relay message for ${requestId} in ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  const finished = async (requestId: string, timeoutMs?: number): Promise<Finished> => {
    const list = await waitFor(requestId, (l) => l.some((m) => m.type !== "chunk"), timeoutMs);
    const final = list.find((m) => m.type !== "chunk") as Finished["final"];
    return { chunks: list.filter((m): m is ChunkMessage => m.type === "chunk"), final };
  };

  return {
    prefix,
    replyTo,
    env,
    registry,
    worker,
    redis,
    inference,
    job,
    embeddingsJob,
    received,
    waitFor,
    finished,
    async submit(payload: ChatJob | EmbeddingsJob) {
      await inference.add("inference", payload, { jobId: payload.request_id, attempts: 1 });
      return payload.request_id;
    },
    /** The usage stream's entries, oldest first: what billing would read. */
    async usageEvents(): Promise<{ id: string; data: UsageEvent }[]> {
      const entries = await redis.xrange(usageEventsKey(prefix), "-", "+");
      return entries.map(([id, fields]) => ({ id, data: UsageEvent.parse(JSON.parse(fields[fields.indexOf("e") + 1]!)) }));
    },
    async metricValue(name: string, labels: Record<string, string> = {}): Promise<number> {
      const metric = registry.getSingleMetric(name);
      if (!metric) return 0;
      const { values } = await metric.get();
      return values
        .filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
        .filter((v) => !("metricName" in v) || v.metricName === name || v.metricName === undefined)
        .reduce((n, v) => n + v.value, 0);
    },
    async close() {
      await edgeBeat.stop();
      await worker.close();
      await inference.obliterate({ force: true }).catch(() => {});
      await redis.del(usageEventsKey(prefix));
      await inference.close();
      await Promise.all([redis.quit(), subscriber.quit(), connection.quit()]);
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/**
 * Every worker component test starts simulators and a harness on them, and must close both afterwards:
 * this keeps that bookkeeping in one place instead of in each test file. Call it once at the top of a file;
 * it registers the afterEach that closes the test's harnesses (newest first) and then its simulators.
 * `sims` is one array for the whole file, refilled by each test with the simulators it started.
 * `defaults` go under every `setup` call's own simulator options and env (the env is made from the new simulators).
 */
export function useWorkerHarness(defaults: { simOptions?: LlamaSimOptions; env?: (sims: LlamaSim[]) => Record<string, string> } = {}) {
  const sims: LlamaSim[] = [];
  const harnesses: Harness[] = [];
  afterEach(async () => {
    const closed = harnesses.splice(0).reverse();
    for (const h of closed) await h.close();
    await Promise.all(sims.splice(0).map((s) => s.close()));
    // Some keys outlive a test by far (the backends' token counters keep 40 days).
    await Promise.all([...new Set(closed.map((h) => h.prefix))].map((prefix) => cleanPrefix(prefix)));
  });

  /** A harness on simulators the test started itself (they are closed after the test too); several may share them. */
  async function start(given: LlamaSim[], env: Record<string, string> = {}, prefix?: string): Promise<Harness> {
    for (const s of given) if (!sims.includes(s)) sims.push(s);
    const harness = await startHarness(given, env, prefix);
    harnesses.push(harness);
    return harness;
  }

  /** `count` simulators started with the same options, and a harness on them. */
  async function setup(count: number, simOptions: LlamaSimOptions = {}, env: Record<string, string> = {}): Promise<Harness> {
    const started = await Promise.all(Array.from({ length: count }, () => startLlamaSim({ ...defaults.simOptions, ...simOptions })));
    sims.push(...started);
    return start(started, { ...defaults.env?.(started), ...env });
  }

  return { sims: sims as readonly LlamaSim[], setup, start };
}
