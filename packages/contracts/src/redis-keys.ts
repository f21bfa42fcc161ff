/**
 * Every Redis name outside BullMQ's own, all under the deployment's namespace (`ns`, the queue
 * prefix), so that two deployments, or two tests, sharing one Redis never hear each other.
 * Renaming one strands what a running deployment stored under the old name.
 */

export const CHANNELS = {
  /** Pub/sub, RelayMessage JSON: one channel per edge process; the job payload names it in `reply_to`. */
  reply: (ns: string, edgeId: string) => `${ns}:reply:${edgeId}`,
  /** Pub/sub, CancelMessage JSON: one channel all workers listen on. */
  cancel: (ns: string) => `${ns}:cancel`,
} as const;

/** The edge id a job's `reply_to` names (CHANNELS.reply), or undefined for a channel of another shape. */
export const edgeOfReplyChannel = (ns: string, channel: string): string | undefined => {
  const prefix = `${ns}:reply:`;
  return channel.startsWith(prefix) ? channel.slice(prefix.length) : undefined;
};

/** String, the cancel reason: set alongside a cancel message so a job still waiting in the queue is skipped when picked up. */
export const cancelledKey = (ns: string, requestId: string) => `${ns}:cancelled:${requestId}`;
/** Sorted set of worker ids scored by their last heartbeat (epoch ms). */
export const workersKey = (ns: string) => `${ns}:workers`;

/** Sorted set of edge ids scored by their last heartbeat (epoch ms): a worker cancels the live work of an edge gone from it. */
export const edgesKey = (ns: string) => `${ns}:edges`;
/**
 * Stream of answers delivered to their clients (fields `id`: the request id, `at`: epoch ms),
 * appended by the edge, consumed by billing (consumer group `billing`) into `usage_deliveries`:
 * what the reconciliation compares billed requests with.
 */
export const deliveriesKey = (ns: string) => `${ns}:deliveries`;
/** The consumer group billing reads `deliveriesKey` with: one consumer name per billing process. */
export const DELIVERIES_GROUP = "billing";
/**
 * Far above a day of deliveries on one deployment (billing trims what it has read): the cap of
 * every XADD to `deliveriesKey` only guards Redis memory if billing stops reading.
 */
export const DELIVERIES_MAX_LEN = 5_000_000;

/**
 * Stream of usage events (field `e`: a UsageEvent as JSON), appended by the workers when a job
 * ends, consumed by billing (consumer group `billing`) into `usage_records`, one row per request.
 * Never capped: an event trimmed before billing read it would be an answer nobody pays for; billing
 * trims what it has written.
 */
export const usageEventsKey = (ns: string) => `${ns}:usage-events`;
/** The consumer group billing reads `usageEventsKey` with. */
export const USAGE_GROUP = "billing";
/** Stream of usage entries billing could not read (field `e` as it came, `why`), kept for an operator. */
export const invalidUsageEventsKey = (ns: string) => `${ns}:usage-events:invalid`;

/**
 * Hash `<backend url>|prompt` and `<backend url>|predicted` → the last value of llama-server's
 * `llamacpp:prompt_tokens_total` and `llamacpp:tokens_predicted_total` read by any worker: what
 * the next reading's increase is taken from, shared so that several workers count each token once.
 */
export const backendCountersKey = (ns: string) => `${ns}:backend-counters`;
/**
 * Hash `<backend url>|prompt` and `<backend url>|predicted` → tokens the backend itself counted
 * on one UTC day (`YYYY-MM-DD`), summed from the increases of its counters; expires after
 * BACKEND_TOKENS_TTL_S. What `pnpm gateway usage reconcile` compares billed tokens with.
 */
export const backendTokensKey = (ns: string, day: string) => `${ns}:backend-tokens:${day}`;
/** Long enough to reconcile the last month, short enough that old days clean themselves up. */
export const BACKEND_TOKENS_TTL_S = 40 * 86_400;
/** One field of `backendCountersKey` and `backendTokensKey`. */
export const backendCounterField = (backendUrl: string, series: "prompt" | "predicted") => `${backendUrl}|${series}`;
/**
 * String, a worker id: the one worker reading a backend's `/metrics` now (SET NX PX). Readings
 * taken one after another are what tells a restarted llama-server (its counter went down) from
 * two workers' readings arriving out of order.
 */
export const backendScrapeLeaseKey = (ns: string, backendUrl: string) => `${ns}:backend-scrape:${backendUrl}`;

/** Hash: worker id → WorkerRegistry JSON. */
export const registryKey = (ns: string) => `${ns}:registry`;
/** Sorted set of slot leases on one backend, scored by expiry (Redis server time, ms). */
export const slotLeasesKey = (ns: string, backendUrl: string) => `${ns}:slots:${backendUrl}`;
/** Sorted set of request ids queued for a model and not yet holding a slot, scored by deadline (epoch ms). */
export const pendingKey = (ns: string, model: string) => `${ns}:pending:${model}`;
/** String, an embeddings response body: where a worker leaves it for the edge to take (too large for pub/sub). */
export const embeddingsResultKey = (ns: string, requestId: string) => `${ns}:embeddings:${requestId}`;

/** Stream of a request's relay messages, appended by the worker for replay (`XRANGE`) and live follow (`XREAD`). */
export const eventsKey = (ns: string, requestId: string) => `${ns}:events:${requestId}`;
/** String, JobRecord JSON: what the edge keeps about an async job (its status comes from its event log). */
export const jobRecordKey = (ns: string, jobId: string) => `${ns}:job:${jobId}`;
/** Sorted set of a tenant's job ids scored by creation (epoch ms), kept longer than the jobs for "expired" answers. */
export const tenantJobsKey = (ns: string, tenantId: string) => `${ns}:jobs:${tenantId}`;
/** String, the tenant id that owns a buffered stream (for resume). */
export const streamOwnerKey = (ns: string, requestId: string) => `${ns}:stream-owner:${requestId}`;
/** String, an integer: how many clients, on any replica, are attached to a stream through its resume URL. */
export const streamAttachedKey = (ns: string, requestId: string) => `${ns}:stream-attached:${requestId}`;

/**
 * String, `{"fingerprint","request_id"}` JSON: the request that claimed an Idempotency-Key. The
 * caller passes a digest of the key, never the client's text.
 */
export const idempotencyKey = (ns: string, tenantId: string, keyDigest: string) => `${ns}:idem:${tenantId}:${keyDigest}`;

/**
 * Names of one API key's limits. The `{key id}` hash tag keeps a key's names in one cluster
 * slot, so each Lua script touches one slot only.
 */
export function limitKeys(ns: string, keyId: string) {
  const base = `${ns}:limits:{${keyId}}`;
  return {
    /** Sorted set request id → lease expiry (epoch ms): the concurrency slots in use. */
    leases: `${base}:leases`,
    /** Hash request id → tokens reserved (prompt estimate + max_tokens). */
    reserved: `${base}:reserved`,
    /** String, an integer: tokens settled on a UTC day (real usage, not estimates). */
    used: (day: string) => `${base}:used:${day}`,
  };
}
export type LimitKeys = ReturnType<typeof limitKeys>;

/** Set of key ids that were admitted on a UTC day: the keys the reconciler checks against billing. */
export const activeKeysKey = (ns: string, day: string) => `${ns}:limits:active:${day}`;
/** Prefix of rate-limiter-flexible's per-key request counters (strings, one 60 s window each). */
export const rpmKeyPrefix = (ns: string) => `${ns}:limits:rpm`;
/** String, the edge id holding it: one replica at a time reconciles token counters with billing. */
export const reconcileLockKey = (ns: string) => `${ns}:limits:reconcile-lock`;
