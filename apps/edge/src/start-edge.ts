import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createLogger, createRegistry, type Logger } from "@gateway/observability";
import { createProducer, createRedis } from "@gateway/queue";
import { createApp } from "./app.ts";
import { drainHttp, trackInFlight } from "./http/drain-http.ts";
import { configKeyStore } from "./auth/config-key-store.ts";
import type { EdgeEnv } from "./env.ts";
import { edgeMetrics } from "./metrics.ts";
import { RelayHub } from "./relay/relay-hub.ts";
import { WorkerPresence } from "./relay/worker-presence.ts";

export interface RunningEdge {
  url: string;
  server: Server;
  logger: Logger;
  /** Stops taking requests, lets in-flight ones finish (up to the grace period), closes clients. */
  close(): Promise<void>;
}

export async function startEdge(env: EdgeEnv, logger = createLogger({ service: "edge", level: env.LOG_LEVEL })): Promise<RunningEdge> {
  const registry = createRegistry("edge");
  const metrics = edgeMetrics(registry);
  const redis = createRedis(env.REDIS_URL, "commands");
  const subscriber = createRedis(env.REDIS_URL, "commands");
  const hub = new RelayHub(subscriber, redis, env.QUEUE_PREFIX, env.EDGE_ID, logger);
  const presence = new WorkerPresence(redis, env.QUEUE_PREFIX, env.WORKER_SEEN_WITHIN_MS);
  const producer = createProducer("inference", redis, env.QUEUE_PREFIX);
  let accepting = true;

  await hub.start();
  await presence.start();

  const app = createApp({
    logger,
    registry,
    metrics,
    hub,
    presence,
    producer,
    config: env.gateway,
    keys: configKeyStore(env.GATEWAY_API_KEYS),
    bodyLimit: env.BODY_LIMIT,
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    isAccepting: () => accepting,
    claimRequestId: async (id) => (await redis.set(`${env.QUEUE_PREFIX}:request-id:${id}`, "1", "EX", 86_400, "NX")) === "OK",
  });
  const server = app.listen(env.PORT, env.HOST);
  trackInFlight(server);
  await once(server, "listening");
  // Longer than a typical load balancer's idle timeout, so the balancer closes first.
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  const url = `http://${env.HOST}:${port}`;

  return {
    url,
    server,
    logger,
    async close() {
      accepting = false;
      await drainHttp(server, env.SHUTDOWN_GRACE_MS);
      presence.stop();
      await hub.close();
      await producer.close();
      await Promise.all([subscriber.quit(), redis.quit()]);
    },
  };
}
