import type { Logger } from "@gateway/observability";
import { Job, type Worker } from "bullmq";
import type { Redis } from "ioredis";

/** Between the two looks of a sweep: a job whose fetch is in flight at the first has been handed over by the second. */
const CONFIRM_MS = 1_000;

export interface OrphanReclaim {
  /** One sweep now (what a reconnection starts); resolves with the ids moved back to wait. */
  sweep(): Promise<string[]>;
  stop(): void;
}

/**
 * Gives back the jobs this worker locked without knowing it. BullMQ's `moveToActive` (and
 * `moveToFinished`, which fetches the next job) may run in Redis and lose its reply with the
 * connection, as when Redis is killed just after: the job is then "active" under this worker's
 * lock while nobody runs it, and only the stalled check brings it back, once its lock has expired
 * (up to two lock durations, a minute by default), long after its client gave up. After every
 * reconnection of the worker's connection, active jobs locked with this worker's token
 * (`<worker id>:<n>`) that BullMQ never handed to it (its `active` event) are moved back to wait,
 * to the front, and run again at once; the lock token in the move makes it a no-op for a job that
 * changed hands meanwhile. A job is reclaimed only when seen orphaned twice, CONFIRM_MS apart, so
 * a fetch whose reply is on its way is not mistaken for a lost one.
 */
export function reclaimOrphans(worker: Worker, connection: Redis, logger: Logger): OrphanReclaim {
  // Job id → the token BullMQ handed it over with, until it finished.
  const handed = new Map<string, string>();
  const onActive = (job: Job) => {
    if (job.id && job.token) handed.set(job.id, job.token);
  };
  const onEnded = (job: Job | undefined) => {
    if (job?.id) handed.delete(job.id);
  };
  worker.on("active", onActive);
  worker.on("completed", onEnded);
  worker.on("failed", onEnded);

  const prefix = `${worker.id}:`;
  const orphans = async (): Promise<Map<string, string>> => {
    const ids = await connection.lrange(worker.toKey("active"), 0, -1);
    const found = new Map<string, string>();
    if (ids.length === 0) return found;
    const locks = await connection.mget(ids.map((id) => `${worker.toKey(id)}:lock`));
    ids.forEach((id, i) => {
      const token = locks[i];
      if (token?.startsWith(prefix) && handed.get(id) !== token) found.set(id, token);
    });
    return found;
  };
  const sweep = async (): Promise<string[]> => {
    const first = await orphans();
    if (first.size === 0) return [];
    await new Promise((r) => setTimeout(r, CONFIRM_MS).unref());
    const second = await orphans();
    const moved: string[] = [];
    for (const [id, token] of second) {
      if (first.get(id) !== token) continue;
      const job = await Job.fromId(worker, id);
      if (!job) continue;
      try {
        await job.moveToWait(token);
        moved.push(id);
      } catch {
        // Its lock changed hands meanwhile (finished, or taken again): not ours to move.
      }
    }
    if (moved.length > 0) logger.warn({ jobs: moved }, "jobs locked by a fetch whose reply was lost moved back to wait");
    return moved;
  };
  let sweeping: Promise<unknown> | undefined;
  let lost = false;
  const onClose = () => {
    lost = true;
  };
  const onReady = () => {
    if (!lost || sweeping) return;
    lost = false;
    sweeping = sweep()
      .catch((err: Error) => {
        // Redis went away again: the next reconnection sweeps.
        lost = true;
        logger.warn({ err: err.message }, "orphaned jobs could not be swept");
      })
      .finally(() => (sweeping = undefined));
  };
  connection.on("close", onClose);
  connection.on("ready", onReady);
  return {
    sweep,
    stop() {
      connection.off("close", onClose);
      connection.off("ready", onReady);
      worker.off("active", onActive);
      worker.off("completed", onEnded);
      worker.off("failed", onEnded);
    },
  };
}
