import { Queue, type JobsOptions } from "bullmq";
import type { Redis } from "ioredis";
import { QUEUES, type Payload, type QueueName } from "./catalog.ts";
import { assertQueueConnection } from "./redis-connection.ts";

export interface Producer<N extends QueueName> {
  readonly queue: Queue;
  /** Adds a job under a caller-chosen, deterministic id: adding the same id twice is a no-op. */
  add(jobId: string, payload: Payload<N>, options?: JobsOptions): Promise<void>;
  close(): Promise<void>;
}

/** `overrides` change the catalog's default job options for this producer (e.g. a configured backoff). */
export function createProducer<N extends QueueName>(name: N, connection: Redis, prefix: string, overrides: JobsOptions = {}): Producer<N> {
  assertQueueConnection(connection);
  const spec = QUEUES[name];
  const queue = new Queue(name, { connection, prefix, defaultJobOptions: { ...spec.defaults, ...overrides } });
  return {
    queue,
    async add(jobId, payload, options) {
      // Validating on the way in keeps a producer bug from becoming a poison message later.
      const data = spec.schema.parse(payload);
      await queue.add(name, data, { ...options, jobId });
    },
    close: () => queue.close(),
  };
}
