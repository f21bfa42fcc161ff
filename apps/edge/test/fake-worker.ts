import { cancelledKey, workersKey, type ChatJob, type RelayMessage } from "@gateway/contracts";
import { createLogger, createRegistry } from "@gateway/observability";
import { createConsumer, createRedis } from "@gateway/queue";
import { TEST_REDIS_URL } from "@gateway/test-kit/redis";
import type { Redis } from "ioredis";

/** What the fake worker does with a chat job: the relay messages to publish, in order. */
export type Behaviour = (job: ChatJob, helpers: { cancelled: () => Promise<boolean> }) => Promise<RelayMessage[]>;

export interface FakeWorker {
  redis: Redis;
  close(): Promise<void>;
}

/**
 * A BullMQ consumer standing in for apps/worker in edge component tests: it takes jobs off the
 * real queue and answers on the real reply channel, as the worker does, with scripted messages.
 */
export async function startFakeWorker(prefix: string, behaviour: Behaviour, redisUrl = TEST_REDIS_URL): Promise<FakeWorker> {
  const blocking = createRedis(redisUrl, "blocking");
  const redis = createRedis(redisUrl);
  const beat = () => redis.zadd(workersKey(prefix), Date.now() + 600_000, "fake-worker");
  await beat();
  const consumer = createConsumer(
    "inference",
    async (payload) => {
      if (payload.kind !== "chat") return;
      const cancelled = async () => (await redis.get(cancelledKey(prefix, payload.request_id))) !== null;
      for (const message of await behaviour(payload, { cancelled })) await redis.publish(payload.reply_to, JSON.stringify(message));
    },
    {
      connection: blocking,
      prefix,
      concurrency: 256,
      registry: createRegistry("fake-worker"),
      logger: createLogger({ service: "fake-worker", level: "silent", sync: true }),
    },
  );
  await consumer.waitUntilReady();
  return {
    redis,
    async close() {
      await consumer.close(true);
      await Promise.all([blocking.quit(), redis.quit()]);
    },
  };
}

/** The worker's successful end of a chat job, with the usage it would bill. */
export function resultOf(job: ChatJob, promptTokens: number, completionTokens: number): RelayMessage {
  return {
    type: "result",
    request_id: job.request_id,
    response: {
      id: `chatcmpl-${job.request_id}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: job.model,
      choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    },
  };
}
