import { setTimeout as sleep } from "node:timers/promises";
import { egressFetcher } from "@gateway/egress";
import type { ReadinessCheck } from "@gateway/http";
import type { Logger, Registry } from "@gateway/observability";
import { workersKey } from "@gateway/contracts";
import { createConsumer, createProducer, createRedis, startHeartbeat, watchQueueDepth } from "@gateway/queue";
import type { Worker } from "bullmq";
import { BackendPool } from "./backends/backend-pool.ts";
import { watchEdges } from "./presence/edge-watch.ts";
import { createBackendProber, type BackendProber } from "./backends/backend-prober.ts";
import { BackendTokenCounters } from "./backends/backend-token-counters.ts";
import { SlotGate } from "./backends/slot-gate.ts";
import type { WorkerEnv } from "./env.ts";
import { CancelRegistry, subscribeCancels } from "./jobs/cancel-registry.ts";
import { createInferenceHandler } from "./jobs/inference-handler.ts";
import { createUsageRecorder } from "./jobs/record-usage.ts";
import { LlamaClient } from "./llama/llama-client.ts";

import { createRegistryPublisher } from "./presence/registry-publisher.ts";
import { createRelayPublisher } from "./relay/relay-publisher.ts";
import { createWebhookHandler } from "./webhooks/deliver-webhook.ts";
import { startCountersAtZero, workerMetrics } from "./worker-metrics.ts";

/**
 * Without WORKER_CONCURRENCY: twice the slots of the backends that can take work now. A job
 * spends part of its life outside a slot (queue bookkeeping, relay, usage), and the headroom
 * keeps every slot busy meanwhile; the slot gate still never lets a backend get more requests
 * than it has slots, across all workers. Followed after every probe round, so a pool that loses
 * backends takes fewer jobs off the queue and the backlog waits in BullMQ.
 */
const defaultConcurrency = (slots: number) => Math.max(2, slots * 2);

export interface StartWorkerDeps {
  env: WorkerEnv;
  logger: Logger;
  registry: Registry;
}

export interface RunningWorker {
  readonly pool: BackendPool;
  readonly worker: Worker;
  /** False once shutdown began. */
  accepting(): boolean;
  /** What /readyz asks: Redis answers, and at least one backend is ready (the count). */
  readiness: Record<string, ReadinessCheck>;
  /** Stops taking jobs, lets in-flight ones finish (aborting them after the grace period), closes everything. */
  close(): Promise<void>;
}

/**
 * Builds and starts one worker process's parts: backend pool and prober, cancel listener,
 * inference consumer, usage producer, heartbeat. Backends are probed once before the first job
 * is taken, so the first jobs already avoid loading or dead backends.
 */
export async function startWorker({ env, logger, registry }: StartWorkerDeps): Promise<RunningWorker> {
  const metrics = workerMetrics(registry);
  const commands = createRedis(env.REDIS_URL, "commands");
  const subscriber = createRedis(env.REDIS_URL, "commands", { enableAutoPipelining: false });
  const consumerConnection = createRedis(env.REDIS_URL, "blocking");
  // Webhook and conversation-reply adds wait out a Redis outage instead of failing.
  const producerConnection = createRedis(env.REDIS_URL, "blocking");
  const webhookConnection = createRedis(env.REDIS_URL, "blocking");
  // BullMQ defines its ~50 Lua scripts on any connection it is given, and ioredis copies them all
  // into every autopipeline batch: queue counting stays off the autopipelined commands connection.
  const depthConnection = createRedis(env.REDIS_URL, "commands", { enableAutoPipelining: false });
  // The relay and the slot gate wait out a Redis outage instead of failing: chunks and last words
  // queue up in order and reach the event log and the edge once Redis is back (the edge catches up
  // from the log), rather than a finished, billed answer being lost on its way to the client, and a
  // job that was about to take a slot takes it then instead of failing as if no backend could serve it.
  // Usage events go the same way, after their job's last word: a usage event must not be lost.
  const relayConnection = createRedis(env.REDIS_URL, "commands", { maxRetriesPerRequest: null });
  const connections = [commands, subscriber, consumerConnection, producerConnection, webhookConnection, depthConnection, relayConnection];
  for (const c of connections) c.on("error", (err: Error) => logger.warn({ err: err.message }, "redis connection error"));

  const gate = new SlotGate(relayConnection, env.QUEUE_PREFIX, env.WORKER_ID, env.BACKEND_LEASE_TTL_MS, logger);
  const late: { prober?: BackendProber } = {};
  const pool = new BackendPool(env.config, {
    metrics,
    gate,
    breaker: {
      resetMs: env.BREAKER_RESET_MS,
      consecutiveFailures: env.BREAKER_CONSECUTIVE_FAILURES,
      errorPercentage: env.BREAKER_ERROR_PERCENTAGE,
      windowMs: env.BREAKER_WINDOW_MS,
      minRequests: env.BREAKER_MIN_REQUESTS,
    },
    onHalfOpen: (url) => void late.prober?.probeOne(url),
  });
  startCountersAtZero(
    metrics,
    env.config.models.map((m) => m.id),
    pool.all().map((b) => b.url),
  );
  const client = new LlamaClient({
    backends: pool.all().map((b) => b.url),
    timeouts: {
      connectMs: env.BACKEND_CONNECT_TIMEOUT_MS,
      firstTokenMs: env.BACKEND_FIRST_TOKEN_TIMEOUT_MS,
      idleMs: env.BACKEND_IDLE_TIMEOUT_MS,
      totalMs: env.BACKEND_TOTAL_TIMEOUT_MS,
    },
    probeTimeoutMs: env.PROBE_TIMEOUT_MS,
    tokenizeTimeoutMs: env.TOKENIZE_TIMEOUT_MS,
    onStaleRetry: (backend) => metrics.staleRetries.inc({ backend }),
  });
  const started: { worker?: Worker } = {};
  const registryPublisher = createRegistryPublisher(commands, env.QUEUE_PREFIX, env.WORKER_ID, pool, gate, logger);
  const afterRound = async () => {
    const wanted = defaultConcurrency(pool.usableSlots());
    if (started.worker && env.WORKER_CONCURRENCY === undefined && started.worker.concurrency !== wanted)
      started.worker.concurrency = wanted;
    await registryPublisher.publish();
  };
  // One reading per backend per probe interval across all workers, and always long enough to take one.
  const scrapeLeaseMs = Math.max(env.PROBE_INTERVAL_MS, env.PROBE_TIMEOUT_MS + 500);
  const counters = new BackendTokenCounters(commands, env.QUEUE_PREFIX, env.WORKER_ID, scrapeLeaseMs, metrics, logger);
  const prober = (late.prober = createBackendProber(pool, client, env.PROBE_INTERVAL_MS, logger, afterRound, counters));
  await prober.probeAll();
  prober.start();

  const cancels = new CancelRegistry();
  await subscribeCancels(subscriber, commands, env.QUEUE_PREFIX, cancels, logger);
  const webhooks = createProducer("webhooks", producerConnection, env.QUEUE_PREFIX, {
    backoff: { type: "exponential", delay: env.WEBHOOK_RETRY_DELAY_MS },
  });
  const conversationReplies = createProducer("conversation-replies", producerConnection, env.QUEUE_PREFIX);
  const images = egressFetcher(env.EGRESS_ALLOW_CIDRS);
  const handler = createInferenceHandler({
    pool,
    client,
    metrics,
    maxAttempts: env.BACKEND_MAX_ATTEMPTS,
    retryBackoffMs: env.BACKEND_RETRY_BACKOFF_MS,
    redis: commands,
    namespace: env.QUEUE_PREFIX,
    publish: createRelayPublisher(relayConnection, logger, env.QUEUE_PREFIX),
    recordUsage: createUsageRecorder(relayConnection, env.QUEUE_PREFIX, metrics),
    webhooks,
    conversationReplies,
    cancels,
    logger,
    embeddingsBatchSize: env.EMBEDDINGS_BATCH_SIZE,
    images,
  });
  const worker = createConsumer("inference", handler, {
    connection: consumerConnection,
    prefix: env.QUEUE_PREFIX,
    concurrency: env.WORKER_CONCURRENCY ?? defaultConcurrency(pool.usableSlots()),
    registry,
    logger,
    lockDurationMs: env.LOCK_DURATION_MS,
  });
  started.worker = worker;
  const egress = egressFetcher(env.EGRESS_ALLOW_CIDRS, { connectTimeoutMs: env.WEBHOOK_TIMEOUT_MS });
  const deliverWebhook = createWebhookHandler({
    masterKey: env.WEBHOOK_MASTER_KEY,
    egress,
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    redis: commands,
    namespace: env.QUEUE_PREFIX,
    logger,
    metrics,
  });
  const webhookWorker = createConsumer("webhooks", deliverWebhook, {
    connection: webhookConnection,
    prefix: env.QUEUE_PREFIX,
    concurrency: 8,
    registry,
    logger,
  });
  // Every queue it touches (usage events are a stream: billing reports what it has not written yet).
  const depth = watchQueueDepth(["inference", "webhooks", "conversation-replies"], {
    connection: depthConnection,
    prefix: env.QUEUE_PREFIX,
    registry,
  });
  const edges = watchEdges(commands, env.QUEUE_PREFIX, cancels, { seenWithinMs: env.EDGE_SEEN_WITHIN_MS, intervalMs: 1_000 }, logger);
  const heartbeat = await startHeartbeat(commands, workersKey(env.QUEUE_PREFIX), env.WORKER_ID, env.HEARTBEAT_INTERVAL_MS, logger);
  logger.info({ worker_id: env.WORKER_ID, concurrency: worker.concurrency, backends: pool.all().length }, "worker started");

  let closing: Promise<void> | undefined;
  const close = async () => {
    const drained = worker.close();
    const graceOver = await Promise.race([drained.then(() => false), sleep(env.SHUTDOWN_TIMEOUT_MS, true, { ref: false })]);
    if (graceOver) {
      logger.warn({ running: cancels.size }, "shutdown grace period over: aborting in-flight generations");
      cancels.abortAll();
      await drained;
    }
    await heartbeat.stop().catch((err: unknown) => logger.warn({ err }, "could not remove heartbeat"));
    prober.stop();
    edges.stop();
    await registryPublisher.remove().catch((err: unknown) => logger.warn({ err }, "could not remove the registry entry"));
    gate.close();
    pool.close();
    await webhookWorker.close();
    await egress.close();
    await webhooks.close();
    await conversationReplies.close();
    await depth.close();
    // BullMQ does not close connections it was given.
    await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    await Promise.all([client.close(), images.close()]);
    logger.info("worker stopped");
  };

  return {
    pool,
    worker,
    accepting: () => closing === undefined,
    readiness: {
      redis: async () => {
        await commands.ping();
      },
      backends: async () => {
        if (pool.readyCount() === 0) throw new Error("no backend is ready");
        return pool.readyCount();
      },
    },
    close: () => (closing ??= close()),
  };
}
