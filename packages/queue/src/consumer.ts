import type { Logger, Registry } from "@gateway/observability";
import { UnrecoverableError, Worker, type Job, type MinimalJob } from "bullmq";
import type { Redis } from "ioredis";
import { QUEUES, type Payload, type QueueName } from "./catalog.ts";
import { reclaimOrphans } from "./orphan-reclaim.ts";
import { queueMetrics } from "./queue-metrics.ts";
import { assertQueueConnection } from "./redis-connection.ts";

export type Handler<N extends QueueName> = (payload: Payload<N>, job: Job) => Promise<unknown>;

export interface ConsumerOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  registry: Registry;
  logger: Logger;
  /** How long a job's lock lives without renewal: how soon a dead worker's job is re-delivered. */
  lockDurationMs?: number;
}

/**
 * The catalog's "capped" backoff: exponential from `delay`, never more than CAPPED_BACKOFF_MAX_MS
 * between tries, so a queue that waits out an outage resumes within seconds of its end.
 */
export const CAPPED_BACKOFF_MAX_MS = 10_000;
const cappedExponential = (attemptsMade: number, type?: string, _err?: Error, job?: MinimalJob): number => {
  const delay = (job?.opts.backoff as { delay?: number } | undefined)?.delay ?? 1_000;
  if (type !== "capped") return delay;
  return Math.min(CAPPED_BACKOFF_MAX_MS, delay * 2 ** Math.max(0, attemptsMade - 1));
};

/** Thrown by a handler for failures that a retry cannot fix. */
export { UnrecoverableError };

/**
 * The one way to consume a queue: the payload is parsed with the queue's schema before the
 * handler sees it, and a payload that does not parse is a poison message (failed once, counted,
 * never retried). Every job is timed by outcome. A job whose fetch lost its reply to a dropped
 * connection is given back after the reconnection (`reclaimOrphans`).
 */
export function createConsumer<N extends QueueName>(name: N, handler: Handler<N>, options: ConsumerOptions): Worker {
  assertQueueConnection(options.connection);
  const spec = QUEUES[name];
  const metrics = queueMetrics(options.registry);
  const log = options.logger.child({ queue: name });
  // From 0, so the alert on increase() sees the first poison message.
  metrics.poison.inc({ queue: name }, 0);

  const worker = new Worker(
    name,
    async (job: Job) => {
      const end = metrics.jobDuration.startTimer({ queue: name });
      const parsed = spec.schema.safeParse(job.data);
      // Retries wait out their backoff: only a first run's wait says how far behind consumers are.
      // Every payload names a configured model (producers validate it), so the label stays bounded.
      if (job.attemptsStarted <= 1) {
        const model = parsed.success ? parsed.data.model : "unknown";
        metrics.wait.observe(
          { queue: name, model, priority: String(job.opts.priority ?? 0) },
          Math.max(0, (job.processedOn ?? Date.now()) - job.timestamp) / 1000,
        );
      }
      if (!parsed.success) {
        metrics.poison.inc({ queue: name });
        end({ outcome: "poison" });
        log.error({ job_id: job.id, issues: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) }, "poison message");
        throw new UnrecoverableError(`invalid ${name} payload`);
      }
      try {
        const result = await handler(parsed.data as Payload<N>, job);
        end({ outcome: "completed" });
        return result;
      } catch (err) {
        end({ outcome: "failed" });
        throw err;
      }
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs ?? 30_000,
      // A dead worker's job is found by this periodic check once its lock expired: checking as
      // often as the lock lasts keeps recovery within about two lock durations.
      stalledInterval: options.lockDurationMs ?? 30_000,
      // Re-deliver a job whose worker died once; a second death marks it failed for good.
      maxStalledCount: 1,
      autorun: true,
      settings: { backoffStrategy: cappedExponential },
    },
  );
  worker.on("error", (err) => log.error({ err }, "queue consumer error"));
  const reclaim = reclaimOrphans(worker, options.connection, log);
  worker.once("closed", () => reclaim.stop());
  return worker;
}
