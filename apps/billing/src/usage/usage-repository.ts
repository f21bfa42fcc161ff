import { Prisma, type PrismaClient } from "../generated/prisma/client.ts";
import type { Costs } from "../pricing/price-table.ts";

export interface NewUsageRecord extends Costs {
  requestId: string;
  tenantId: string;
  keyId: string;
  tier: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  outcome: string;
  backend: string | null;
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
  /** Writes the row unless its request_id is already billed; false means it was a repeat. */
  insert(record: NewUsageRecord): Promise<boolean>;
  /** Per-day, per-model sums for a tenant over UTC days `from`..`to` (both YYYY-MM-DD, inclusive). */
  byDayAndModel(tenantId: string, from: string, to: string): Promise<DayModelUsage[]>;
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

export function createUsageRepository(prisma: PrismaClient): UsageRepository {
  return {
    async insert(record) {
      // ON CONFLICT DO NOTHING in one statement: two consumers racing on the same request_id
      // cannot both write, and neither has to read first.
      const { count } = await prisma.usageRecord.createMany({
        data: [{ ...record, totalTokens: record.promptTokens + record.completionTokens }],
        skipDuplicates: true,
      });
      return count === 1;
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

    async ping() {
      await prisma.$queryRaw`SELECT 1`;
    },
  };
}
