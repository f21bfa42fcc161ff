import { pendingKey, type InferenceQueuePayload } from "@gateway/contracts";
import type { Redis } from "ioredis";
import { RefusalError } from "../http/refusal-error.ts";
import type { ModelDirectory } from "./model-directory.ts";

/** A client told to come back much later than this would rather hear "overloaded" and decide. */
const MAX_RETRY_AFTER_S = 120;

/**
 * Refuses new work for a model whose queue already holds more than `maxWaitMs` of it (503 with
 * Retry-After), instead of letting requests wait until their deadline. Reads only memory on the
 * hot path (the directory refreshes in the background); `maxWaitMs` 0 turns it off.
 */
export class LoadShedder {
  constructor(
    private readonly directory: ModelDirectory,
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly maxWaitMs: number,
  ) {}

  admit(model: string): void {
    if (this.maxWaitMs === 0) return;
    const wait = this.directory.expectedWaitMs(model);
    if (wait === undefined || wait <= this.maxWaitMs) return;
    const seconds = Math.ceil(wait / 1000);
    throw new RefusalError(
      "shed",
      "backend_unavailable",
      `model '${model}' is overloaded: a new request would wait about ${seconds} s for a backend, more than this gateway's limit of ${Math.ceil(this.maxWaitMs / 1000)} s; retry later`,
      { retryAfter: Math.min(MAX_RETRY_AFTER_S, Math.max(1, seconds - Math.floor(this.maxWaitMs / 1000))) },
    );
  }

  /**
   * Counts the job in its model's pending set until a worker gives it a slot. Not awaited: it
   * shares the enqueue's round trip on the autopipelined connection, and a lost entry only makes
   * the estimate a little low. Scored by deadline, so an entry nobody removes stops counting.
   */
  enqueued(job: InferenceQueuePayload): void {
    this.redis.zadd(pendingKey(this.namespace, job.model), job.deadline_at, job.request_id).catch(() => undefined);
  }

  /** The enqueue failed: the job will never leave the set by itself. */
  dropped(job: InferenceQueuePayload): void {
    this.redis.zrem(pendingKey(this.namespace, job.model), job.request_id).catch(() => undefined);
  }
}
