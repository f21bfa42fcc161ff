import type pg from "pg";
import { Prisma, type PrismaClient } from "../generated/prisma/client.ts";
export interface NewUsageRecord {
  /** Exact decimal strings (pricesOf), stored as they are: never through a float or a 20-digit Decimal. */
  promptCost: string;
  completionCost: string;
  cost: string;
  requestId: string;
  tenantId: string;
  keyId: string;
  tier: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  outcome: string;
  backend: string | null;
  clientRequestId: string | null;
  /** chat or embeddings; null from older workers. */
  kind: string | null;
  startedAt: Date;
  finishedAt: Date;
}

/** One UTC day's usage of one model. */
export interface DayModelUsage {
  date: string;
  model: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cost: Prisma.Decimal;
}

export interface UsageRepository {
  /**
   * Writes each row whose request_id is not billed yet, in one statement; returns the request ids
   * it wrote (a repeat, of a row in the table or of one earlier in `records`, is not written).
   */
  insertMany(records: readonly NewUsageRecord[]): Promise<Set<string>>;
  /** Per-day, per-model sums for a tenant over UTC days `from`..`to` (both YYYY-MM-DD, inclusive). */
  byDayAndModel(tenantId: string, from: string, to: string): Promise<DayModelUsage[]>;
  /** Total tokens billed per key on one UTC day, for the keys given that have any. */
  tokensByKey(date: string, keyIds: readonly string[]): Promise<Array<{ keyId: string; totalTokens: number }>>;
  ping(): Promise<void>;
}

interface Row {
  date: string;
  model: string;
  requests: bigint;
  prompt_tokens: bigint;
  completion_tokens: bigint;
  cost: Prisma.Decimal;
}

/**
 * One array parameter per column: a batch of any size is one statement of the same text. Costs go
 * as text and are cast to numeric, never through a float. A repeat (of a row in the table, or of
 * one earlier in the batch) conflicts and is not written.
 */
const INSERT_USAGE = `
  INSERT INTO usage_records (request_id, tenant_id, key_id, tier, model, prompt_tokens, completion_tokens,
                             total_tokens, outcome, prompt_cost, completion_cost, cost, backend, client_request_id,
                             kind, started_at, finished_at, delivered_at)
  SELECT b.request_id, b.tenant_id, b.key_id, b.tier, b.model, b.prompt_tokens, b.completion_tokens,
         b.prompt_tokens + b.completion_tokens, b.outcome, b.prompt_cost, b.completion_cost, b.cost, b.backend,
         b.client_request_id, b.kind, b.started_at, b.finished_at,
         (SELECT d.delivered_at FROM usage_deliveries d WHERE d.request_id = b.request_id)
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::text[],
                $9::numeric[], $10::numeric[], $11::numeric[], $12::text[], $13::text[], $14::text[],
                $15::timestamptz[], $16::timestamptz[])
      AS b(request_id, tenant_id, key_id, tier, model, prompt_tokens, completion_tokens, outcome, prompt_cost,
           completion_cost, cost, backend, client_request_id, kind, started_at, finished_at)
  ON CONFLICT (request_id) DO NOTHING
  RETURNING request_id`;

/** Rows are written through the pool directly (billing-database.ts says why); everything else through Prisma. */
export function createUsageRepository(prisma: PrismaClient, pool: pg.Pool): UsageRepository {
  return {
    async insertMany(records) {
      if (records.length === 0) return new Set();
      const column = <T>(pick: (r: NewUsageRecord) => T): T[] => records.map(pick);
      const { rows } = await pool.query<{ request_id: string }>(INSERT_USAGE, [
        column((r) => r.requestId),
        column((r) => r.tenantId),
        column((r) => r.keyId),
        column((r) => r.tier),
        column((r) => r.model),
        column((r) => r.promptTokens),
        column((r) => r.completionTokens),
        column((r) => r.outcome),
        column((r) => r.promptCost),
        column((r) => r.completionCost),
        column((r) => r.cost),
        column((r) => r.backend),
        column((r) => r.clientRequestId),
        column((r) => r.kind),
        column((r) => r.startedAt.toISOString()),
        column((r) => r.finishedAt.toISOString()),
      ]);
      return new Set(rows.map((w) => w.request_id));
    },

    async byDayAndModel(tenantId, from, to) {
      const start = new Date(`${from}T00:00:00.000Z`);
      const end = new Date(Date.parse(`${to}T00:00:00.000Z`) + 86_400_000);
      // A range on finished_at (not a function of it) so the (tenant_id, finished_at) index serves it.
      const rows = await prisma.$queryRaw<Row[]>`
        SELECT to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date,
               model,
               count(*) AS requests,
               sum(prompt_tokens)::bigint AS prompt_tokens,
               sum(completion_tokens)::bigint AS completion_tokens,
               sum(cost) AS cost
          FROM usage_records
         WHERE tenant_id = ${tenantId} AND finished_at >= ${start} AND finished_at < ${end}
         GROUP BY 1, 2
         ORDER BY 1, 2`;
      return rows.map((r) => ({
        date: r.date,
        model: r.model,
        requests: Number(r.requests),
        promptTokens: Number(r.prompt_tokens),
        completionTokens: Number(r.completion_tokens),
        cost: new Prisma.Decimal(r.cost),
      }));
    },

    async tokensByKey(date, keyIds) {
      const start = new Date(`${date}T00:00:00.000Z`);
      const end = new Date(start.getTime() + 86_400_000);
      // Served by the (key_id, finished_at) index: one range per key, however busy the day.
      const rows = await prisma.$queryRaw<Array<{ key_id: string; total_tokens: bigint }>>`
        SELECT key_id, sum(total_tokens)::bigint AS total_tokens
          FROM usage_records
         WHERE key_id = ANY(${[...keyIds]}::text[]) AND finished_at >= ${start} AND finished_at < ${end}
         GROUP BY key_id
         ORDER BY key_id`;
      return rows.map((r) => ({ keyId: r.key_id, totalTokens: Number(r.total_tokens) }));
    },

    async ping() {
      await prisma.$queryRaw`SELECT 1`;
    },
  };
}
