import { edgesKey } from "@gateway/contracts";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pricesOf } from "@gateway/config";
import { expressServer } from "@gateway/http";
import { createLogger, createRegistry, type Logger } from "@gateway/observability";
import { createProducer, createRedis, startHeartbeat } from "@gateway/queue";
import type { Express } from "express";
import { createApp } from "./app.ts";
import { drainHttp, trackInFlight } from "./http/drain-http.ts";
import type { EdgeEnv } from "./env.ts";
import { IdempotencyStore } from "./idempotency/idempotency-store.ts";
import { JobStore } from "./jobs/job-store.ts";
import { createEdgePrisma } from "./keys/edge-prisma.ts";
import { createKeyServices } from "./keys/key-services.ts";
import { createLimitServices } from "./limits/limit-services.ts";
import { edgeMetrics } from "./metrics.ts";
import { LoadShedder } from "./models/load-shedder.ts";
import { ModelDirectory } from "./models/model-directory.ts";
import { RelayHub } from "./relay/relay-hub.ts";
import { ConversationRepository } from "./conversations/conversation-repository.ts";
import { startReplyConsumer } from "./conversations/reply-consumer.ts";
import { EventLog } from "./resume/event-log.ts";
import { StreamAttachments } from "./resume/stream-attachments.ts";
import { WorkerPresence } from "./relay/worker-presence.ts";
import { createBillingClient } from "./usage/billing-client.ts";
import { DeliveryLog } from "./usage/delivery-log.ts";
import { createWebhookServices } from "./webhooks/webhook-services.ts";
import { attachWebSocket } from "./ws/ws-server.ts";

export interface RunningEdge {
  url: string;
  /** Where /metrics and the admin API are served when INTERNAL_PORT is set (else on `url`). */
  internalUrl: string | undefined;
  server: Server;
  logger: Logger;
  /** Stops taking requests, lets in-flight ones finish (up to the grace period), closes clients. */
  close(): Promise<void>;
}

export async function startEdge(
  env: EdgeEnv,
  logger = createLogger({ service: "edge", level: env.LOG_LEVEL, logContent: env.LOG_CONTENT }),
): Promise<RunningEdge> {
  const registry = createRegistry("edge");
  const metrics = edgeMetrics(registry);
  const redis = createRedis(env.REDIS_URL, "commands");
  const subscriber = createRedis(env.REDIS_URL, "commands");
  const hub = new RelayHub(subscriber, redis, env.QUEUE_PREFIX, env.EDGE_ID, logger);
  const presence = new WorkerPresence(redis, env.QUEUE_PREFIX, env.WORKER_SEEN_WITHIN_MS);
  // BullMQ defines its ~50 Lua scripts on the connection it is given, and ioredis copies every
  // defined script into each autopipeline batch it creates: the producer gets a connection of its
  // own, so the autopipelined one above stays cheap to batch on.
  const queueConnection = createRedis(env.REDIS_URL, "commands", { enableAutoPipelining: false });
  const producer = createProducer("inference", queueConnection, env.QUEUE_PREFIX);
  const prisma = createEdgePrisma(env.EDGE_DATABASE_URL);
  const keys = createKeyServices(env, prisma, registry, logger);
  const webhooks = createWebhookServices(env, prisma, logger);
  const billing =
    env.BILLING_URL && env.BILLING_INTERNAL_TOKEN
      ? createBillingClient({ url: env.BILLING_URL, token: env.BILLING_INTERNAL_TOKEN, timeoutMs: env.BILLING_TIMEOUT_MS })
      : undefined;
  // Limits get a connection of their own: admission is on every request's critical path and must
  // not queue behind the producer's or relay's traffic. Autopipelined, so that a request's two
  // admission commands, its release and other requests' admissions leave in one write per loop
  // turn, and a release never delays the response it follows (a write is a costly syscall).
  const limitsRedis = createRedis(env.REDIS_URL, "commands");
  const limits = createLimitServices(env, limitsRedis, billing, registry, logger);
  // Event logs are followed with XREAD BLOCK: a connection of its own, never autopipelined.
  const eventReader = createRedis(env.REDIS_URL, "blocking", { enableAutoPipelining: false });
  const events = new EventLog(redis, eventReader, env.QUEUE_PREFIX, logger);
  const conversations = new ConversationRepository(prisma);
  const repliesConnection = createRedis(env.REDIS_URL, "blocking");
  const replies = startReplyConsumer(conversations, repliesConnection, env.QUEUE_PREFIX, registry, logger);
  const directory = new ModelDirectory(redis, env.QUEUE_PREFIX, env.gateway, env.WORKER_SEEN_WITHIN_MS, logger);
  let accepting = true;
  let ready = true;

  await hub.start();
  // The lease of this edge's synchronous requests and streams: workers cancel them once it stops (watchEdges).
  const heartbeat = await startHeartbeat(redis, edgesKey(env.QUEUE_PREFIX), env.EDGE_ID, 1_000, logger);
  await presence.start();
  await directory.start();
  await events.start();
  keys.lastUsed.start();
  keys.changes.start();
  limits.start();

  const deliveries = new DeliveryLog(redis, env.QUEUE_PREFIX, logger);
  const appDeps = {
    trustProxy: env.TRUST_PROXY,
    wsAuthTimeoutMs: env.WS_AUTH_TIMEOUT_MS,
    slowClientBufferBytes: env.SLOW_CLIENT_BUFFER_BYTES,
    queueOutageWaitMs: env.QUEUE_OUTAGE_WAIT_MS,
    logger,
    registry,
    metrics,
    hub,
    presence,
    producer,
    config: env.gateway,
    authenticate: keys.authenticate,
    authenticateTenantOrAdmin: keys.authenticateTenantOrAdmin,
    requireAdmin: keys.requireAdmin,
    keyRepository: keys.repository,
    keyAdmin: keys.admin,
    prisma,
    billing,
    admission: limits.admission,
    contentPolicy: limits.contentPolicy,
    settleGraceMs: env.SETTLE_GRACE_MS,
    prices: pricesOf(env.gateway),
    bodyLimit: env.BODY_LIMIT,
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    egress: env.EGRESS_ALLOW_CIDRS,
    capabilities: (model: string) => directory.capabilities(model),
    isAccepting: () => accepting,
    isReady: () => ready && accepting,
    redis,
    directory,
    shedder: new LoadShedder(directory, redis, env.QUEUE_PREFIX, env.MAX_QUEUE_WAIT_MS),
    events,
    jobs: new JobStore(redis, env.QUEUE_PREFIX, env.JOB_RETENTION_S),
    namespace: env.QUEUE_PREFIX,
    keepAliveMs: env.SSE_KEEPALIVE_MS,
    attachments: new StreamAttachments(redis, env.QUEUE_PREFIX, env.STREAM_RETENTION_S),
    deliveries,
    resumeGraceMs: env.STREAM_RESUME_GRACE_MS,
    idempotency: new IdempotencyStore(redis, env.QUEUE_PREFIX, env.IDEMPOTENCY_TTL_S),
    conversations,
    tokenized: limits.tokenized,
    ...webhooks,
  };
  const split = env.INTERNAL_PORT !== undefined;
  const server = await listen(createApp(appDeps, split ? "public" : "all"), env.PORT, env.HOST);
  const closeWebSockets = attachWebSocket(server, appDeps);
  const internal = split ? await listen(createApp(appDeps, "internal"), env.INTERNAL_PORT!, env.HOST) : undefined;
  const urlOf = (s: Server) => `http://${env.HOST}:${(s.address() as AddressInfo).port}`;

  return {
    url: urlOf(server),
    internalUrl: internal && urlOf(internal),
    server,
    logger,
    async close() {
      ready = false;
      // Still serving: the balancer learns from /readyz and stops routing here first.
      if (env.SHUTDOWN_DELAY_MS > 0) {
        logger.info({ delay_ms: env.SHUTDOWN_DELAY_MS }, "not ready; serving until the pre-stop delay ends");
        await new Promise((resolve) => setTimeout(resolve, env.SHUTDOWN_DELAY_MS));
      }
      accepting = false;
      await closeWebSockets();
      await drainHttp(server, env.SHUTDOWN_GRACE_MS);
      if (internal) await drainHttp(internal, env.SHUTDOWN_GRACE_MS);
      presence.stop();
      directory.stop();
      await limits.stop();
      keys.changes.stop();
      await keys.lastUsed.stop();
      await heartbeat.stop().catch(() => undefined);
      await deliveries.close();
      await hub.close();
      await events.stop();
      await replies.close();
      await producer.close();
      await Promise.all([
        subscriber.quit(),
        redis.quit(),
        queueConnection.quit(),
        limitsRedis.quit(),
        eventReader.quit(),
        repliesConnection.quit(),
        prisma.$disconnect(),
      ]);
    },
  };
}

async function listen(app: Express, port: number, host: string): Promise<Server> {
  const server = expressServer(app).listen(port, host);
  trackInFlight(server);
  await once(server, "listening");
  // Longer than a typical load balancer's idle timeout, so the balancer closes first.
  server.keepAliveTimeout = 65_000;
  return server;
}
