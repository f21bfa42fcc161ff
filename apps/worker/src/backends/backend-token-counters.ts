import { BACKEND_TOKENS_TTL_S, backendCountersKey, backendScrapeLeaseKey, backendTokensKey } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";
import type { TokenCounters } from "../llama/read-token-counters.ts";
import type { WorkerMetrics } from "../worker-metrics.ts";

/**
 * Adds the increase of each counter since the last reading (by any worker) to the day's total.
 * A counter lower than its last value is a restarted server counting from 0: the increase is the
 * new value. A first reading only sets the baseline: what the server counted before any worker
 * read it is not the gateway's to reconcile. Every reading makes the day's field (0 if nothing was
 * added), so a backend that counted nothing is told from one that reports no counters. Refused
 * (returns -1) unless the reading was taken inside this worker's lease, so recorded readings never
 * overlap and a lower value can only be a restart, never another worker's older reading arriving late.
 *
 * KEYS: the scrape lease, the last values (hash), the day's totals (hash).
 * ARGV: worker id, ttl s, backend url, then series name and value pairs.
 * Returns the number of counters that had reset, or -1.
 */
const RECORD = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local resets = 0
for i = 4, #ARGV, 2 do
  local field = ARGV[3] .. '|' .. ARGV[i]
  local value = tonumber(ARGV[i + 1])
  local last = tonumber(redis.call('HGET', KEYS[2], field))
  redis.call('HSET', KEYS[2], field, ARGV[i + 1])
  local increase = 0
  if last then
    increase = value - last
    if value < last then
      increase = value
      resets = resets + 1
    end
  end
  redis.call('HINCRBY', KEYS[3], field, increase)
end
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[2])
return resets`;

/** The UTC day a reading's increase is added to (`YYYY-MM-DD`, billing's days). */
const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * Per-backend, per-UTC-day token totals as the backends count them themselves, for `pnpm gateway
 * usage reconcile`. Every worker's prober offers a reading of each ready backend each round; the
 * one that takes the backend's lease (SET NX PX, held `leaseMs`) reads its /metrics and records it
 * with one script, so a backend is read about once per lease however many workers there are.
 */
export class BackendTokenCounters {
  private readonly unavailable = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly workerId: string,
    /** At least the probe timeout: a reading must be taken and recorded inside it. */
    private readonly leaseMs: number,
    private readonly metrics: Pick<WorkerMetrics, "tokenCounterReads">,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads the backend through `read` if it is this worker's turn; never throws (a failed reading is the next one's to make up). */
  async offer(url: string, read: () => Promise<TokenCounters | undefined>): Promise<void> {
    try {
      const lease = backendScrapeLeaseKey(this.namespace, url);
      if ((await this.redis.set(lease, this.workerId, "PX", this.leaseMs, "NX")) !== "OK") return;
      const counters = await read();
      const series = Object.entries(counters ?? {}).filter((e): e is [string, number] => e[1] !== undefined);
      if (series.length === 0) return this.noCounters(url);
      this.unavailable.delete(url);
      // EVAL, not defineCommand: ioredis copies every defined script into each autopipeline batch
      // of this shared connection, and one reading a backend per interval can afford the script's text.
      const resets = Number(
        await this.redis.eval(
          RECORD,
          3,
          lease,
          backendCountersKey(this.namespace),
          backendTokensKey(this.namespace, utcDay(this.now())),
          this.workerId,
          BACKEND_TOKENS_TTL_S,
          url,
          ...series.flat(),
        ),
      );
      const outcome = resets < 0 ? "stale" : resets > 0 ? "reset" : "recorded";
      this.metrics.tokenCounterReads.inc({ backend: url, outcome });
      if (outcome === "reset") this.logger.info({ backend: url }, "backend token counters went down: counting from its restart");
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, backend: url }, "could not record the backend's token counters");
    }
  }

  private noCounters(url: string): void {
    this.metrics.tokenCounterReads.inc({ backend: url, outcome: "unavailable" });
    if (this.unavailable.has(url)) return;
    this.unavailable.add(url);
    this.logger.warn(
      { backend: url },
      "backend has no token counters (/metrics; llama-server needs --metrics): its tokens cannot be reconciled with billing",
    );
  }
}
