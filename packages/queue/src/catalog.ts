import { ConversationReply, InferenceQueuePayload, WebhookDelivery } from "@gateway/contracts";
import type { JobsOptions } from "bullmq";
import type { z } from "zod";

interface QueueSpec<S extends z.ZodType> {
  schema: S;
  defaults: JobsOptions;
}

/**
 * Every queue, its payload schema and its default job options. A producer or consumer can only
 * name a queue listed here, and gets the payload type that goes with it.
 */
export const QUEUES = {
  inference: {
    // Chat and embeddings jobs, told apart by `kind`: they share the backends' slots.
    schema: InferenceQueuePayload,
    // Failover and retries before the first token happen inside the worker, against other
    // backends; BullMQ only re-delivers a job whose worker died (stalled), never a failed one.
    defaults: { attempts: 1, removeOnComplete: { age: 600, count: 10_000 }, removeOnFail: { age: 86_400 } },
  },
  webhooks: {
    schema: WebhookDelivery,
    // At least once: ~8 tries over ~4 minutes, then kept failed for a week for inspection.
    defaults: {
      attempts: 8,
      backoff: { type: "exponential", delay: 1_000 },
      removeOnComplete: { age: 86_400 },
      removeOnFail: { age: 7 * 86_400 },
    },
  },
  "conversation-replies": {
    schema: ConversationReply,
    // Stored by the edge with an insert that ignores a repeat: retried through a Postgres outage of an
    // hour (capped at 10 s between tries, so the replies are stored within seconds of the outage's end).
    defaults: {
      attempts: 400,
      backoff: { type: "capped", delay: 500 },
      removeOnComplete: { age: 3_600 },
      removeOnFail: { age: 7 * 86_400 },
    },
  },
} as const satisfies Record<string, QueueSpec<z.ZodType>>;

export type QueueName = keyof typeof QUEUES;
export type Payload<N extends QueueName> = z.infer<(typeof QUEUES)[N]["schema"]>;
