import type { BilledBackendDay, ReconcileItem, ReconcileList } from "@gateway/contracts";
import type { PrismaClient } from "../generated/prisma/client.ts";

/** Finished (usage rows) or delivered (deliveries) in [start, end); listed only when before `cutoff`. */
export interface ReconcileWindow {
  start: Date;
  end: Date;
  cutoff: Date;
  limit: number;
}

export interface ReconcileRepository {
  now(): Promise<Date>;
  billed(window: ReconcileWindow): Promise<BilledBackendDay[]>;
  answeredNotBilled(window: ReconcileWindow): Promise<ReconcileList>;
  billedTwice(window: ReconcileWindow): Promise<ReconcileList>;
  billedNotDelivered(window: ReconcileWindow): Promise<ReconcileList>;
}

interface ItemRow {
  request_id: string;
  tenant_id: string | null;
  model: string | null;
  backend: string | null;
  outcome: string | null;
  rows: number;
  prompt_tokens: bigint | number | null;
  completion_tokens: bigint | number | null;
  started_at: Date | null;
  finished_at: Date | null;
  delivered_at: Date | null;
  total: number;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const int = (n: bigint | number | null) => (n === null ? null : Number(n));

function listOf(rows: ItemRow[]): ReconcileList {
  return {
    count: rows[0]?.total ?? 0,
    data: rows.map((r): ReconcileItem => ({
      request_id: r.request_id,
      tenant_id: r.tenant_id,
      model: r.model,
      backend: r.backend,
      outcome: r.outcome as ReconcileItem["outcome"],
      rows: r.rows,
      prompt_tokens: int(r.prompt_tokens),
      completion_tokens: int(r.completion_tokens),
      started_at: iso(r.started_at),
      finished_at: iso(r.finished_at),
      delivered_at: iso(r.delivered_at),
    })),
  };
}

/**
 * Reconciliation's reads. Ranges are on finished_at and delivered_at (BRIN indexes), each request
 * joined to the other table by its unique key without a date bound: a request finished at
 * 23:59:59 and delivered at 00:00:01 is matched whichever day is asked. `count(*) OVER ()` counts
 * every match before LIMIT keeps the oldest.
 */
export function createReconcileRepository(prisma: PrismaClient): ReconcileRepository {
  return {
    async now() {
      const [row] = await prisma.$queryRaw<Array<{ now: Date }>>`SELECT now() AS now`;
      return row!.now;
    },

    async billed({ start, end }) {
      const rows = await prisma.$queryRaw<
        Array<{
          date: string;
          backend: string | null;
          requests: number;
          prompt_tokens: bigint;
          completion_tokens: bigint;
          generation_prompt_tokens: bigint;
          succeeded_completion_tokens: bigint;
        }>
      >`
        SELECT to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date,
               backend,
               count(*)::int AS requests,
               sum(prompt_tokens)::bigint AS prompt_tokens,
               sum(completion_tokens)::bigint AS completion_tokens,
               coalesce(sum(prompt_tokens) FILTER (WHERE kind IS NULL OR kind IN ('chat', 'completion')), 0)::bigint AS generation_prompt_tokens,
               coalesce(sum(completion_tokens) FILTER (WHERE outcome = 'succeeded'), 0)::bigint AS succeeded_completion_tokens
          FROM usage_records
         WHERE finished_at >= ${start} AND finished_at < ${end}
         GROUP BY 1, 2
         ORDER BY 1, 2 NULLS LAST`;
      return rows.map((r) => ({
        date: r.date,
        backend: r.backend,
        requests: r.requests,
        prompt_tokens: Number(r.prompt_tokens),
        completion_tokens: Number(r.completion_tokens),
        generation_prompt_tokens: Number(r.generation_prompt_tokens),
        succeeded_completion_tokens: Number(r.succeeded_completion_tokens),
      }));
    },

    async answeredNotBilled({ start, end, cutoff, limit }) {
      return listOf(
        await prisma.$queryRaw<ItemRow[]>`
          SELECT d.request_id, NULL AS tenant_id, NULL AS model, NULL AS backend, NULL AS outcome, 0 AS rows,
                 NULL::bigint AS prompt_tokens, NULL::bigint AS completion_tokens,
                 NULL::timestamptz AS started_at, NULL::timestamptz AS finished_at, d.delivered_at,
                 count(*) OVER ()::int AS total
            FROM usage_deliveries d
           WHERE d.delivered_at >= ${start} AND d.delivered_at < ${end} AND d.delivered_at < ${cutoff}
             AND NOT EXISTS (SELECT 1 FROM usage_records u WHERE u.request_id = d.request_id)
           ORDER BY d.delivered_at, d.request_id
           LIMIT ${limit}`,
      );
    },

    async billedTwice({ start, end, limit }) {
      // Grouped without the unique key's help, so a lost or missing index would show here.
      return listOf(
        await prisma.$queryRaw<ItemRow[]>`
          SELECT request_id, min(tenant_id) AS tenant_id, min(model) AS model, min(backend) AS backend,
                 min(outcome) AS outcome, count(*)::int AS rows,
                 sum(prompt_tokens)::bigint AS prompt_tokens, sum(completion_tokens)::bigint AS completion_tokens,
                 min(started_at) AS started_at, max(finished_at) AS finished_at, min(delivered_at) AS delivered_at,
                 count(*) OVER ()::int AS total
            FROM usage_records
           WHERE finished_at >= ${start} AND finished_at < ${end}
           GROUP BY request_id
          HAVING count(*) > 1
           ORDER BY min(finished_at), request_id
           LIMIT ${limit}`,
      );
    },

    async billedNotDelivered({ start, end, cutoff, limit }) {
      // The delivered_at column is not trusted alone: a row the sweep has not healed yet has a delivery.
      return listOf(
        await prisma.$queryRaw<ItemRow[]>`
          SELECT u.request_id, u.tenant_id, u.model, u.backend, u.outcome, 1 AS rows,
                 u.prompt_tokens::bigint AS prompt_tokens, u.completion_tokens::bigint AS completion_tokens,
                 u.started_at, u.finished_at, NULL::timestamptz AS delivered_at,
                 count(*) OVER ()::int AS total
            FROM usage_records u
           WHERE u.finished_at >= ${start} AND u.finished_at < ${end} AND u.finished_at < ${cutoff}
             AND u.outcome = 'succeeded' AND u.delivered_at IS NULL
             AND NOT EXISTS (SELECT 1 FROM usage_deliveries d WHERE d.request_id = u.request_id)
           ORDER BY u.finished_at, u.request_id
           LIMIT ${limit}`,
      );
    },
  };
}
