import { JobRecord, jobRecordKey, tenantJobsKey } from "@gateway/contracts";
import type { Redis } from "ioredis";

/** How much longer than a job an id stays listed under its tenant: long enough to say "expired" rather than "never existed". */
const TOMBSTONE_FACTOR = 7;

/**
 * Async job records in Redis, each expiring with the retention. The job's progress is not here
 * but in its event log, written by the worker: any edge replica can answer for any job.
 */
export class JobStore {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    readonly retentionS: number,
  ) {}

  async create(record: JobRecord): Promise<void> {
    const index = tenantJobsKey(this.namespace, record.tenant_id);
    const keepMs = this.retentionS * 1000 * TOMBSTONE_FACTOR;
    await this.redis
      .multi()
      .set(jobRecordKey(this.namespace, record.id), JSON.stringify(record), "EX", this.retentionS)
      .zadd(index, record.created_ms, record.id)
      .zremrangebyscore(index, "-inf", record.created_ms - keepMs)
      .pexpire(index, keepMs)
      .exec();
  }

  /** The tenant's job, "expired" if it existed but is past its retention, undefined if it never was the tenant's. */
  async get(tenantId: string, id: string): Promise<JobRecord | "expired" | undefined> {
    const [raw, score] = await Promise.all([
      this.redis.get(jobRecordKey(this.namespace, id)),
      this.redis.zscore(tenantJobsKey(this.namespace, tenantId), id),
    ]);
    if (score === null) return undefined;
    if (raw === null) return "expired";
    const record = JobRecord.parse(JSON.parse(raw));
    return record.tenant_id === tenantId ? record : undefined;
  }

  async markCancelled(record: JobRecord): Promise<void> {
    await this.redis.set(jobRecordKey(this.namespace, record.id), JSON.stringify({ ...record, cancelled: true }), "KEEPTTL");
  }

  /**
   * Newest first. The cursor is a job id: its rank is looked up again on every page, so jobs
   * created meanwhile (which go in front) never shift what the next page holds.
   */
  async list(tenantId: string, limit: number, after: string | undefined): Promise<{ records: JobRecord[]; hasMore: boolean }> {
    const index = tenantJobsKey(this.namespace, tenantId);
    let start = 0;
    if (after) {
      const rank = await this.redis.zrevrank(index, after);
      if (rank === null) return { records: [], hasMore: false };
      start = rank + 1;
    }
    const ids = await this.redis.zrevrange(index, start, start + limit);
    const page = ids.slice(0, limit);
    const raws = page.length ? await this.redis.mget(page.map((id) => jobRecordKey(this.namespace, id))) : [];
    const records = raws.flatMap((raw) => (raw === null ? [] : [JobRecord.parse(JSON.parse(raw))]));
    // Expired ids sit at the old end of the index: once one shows up, nothing older is live.
    const hasMore = ids.length > limit && records.length === page.length;
    return { records, hasMore };
  }
}
