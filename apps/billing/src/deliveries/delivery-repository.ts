import type pg from "pg";
import type { PrismaClient } from "../generated/prisma/client.ts";

export interface Delivery {
  requestId: string;
  deliveredAt: Date;
}

export interface DeliveryRepository {
  /**
   * Writes each request's first delivery (a request already recorded keeps its first) and gives
   * the usage rows that exist their delivery time, in one statement. `recorded`: deliveries new
   * to the table; the rest were repeats.
   */
  record(deliveries: readonly Delivery[]): Promise<{ recorded: number }>;
  /**
   * Gives usage rows without a delivery time the one of a delivery recorded within the last
   * `windowS` seconds: a usage row and its delivery committed at the same moment saw neither
   * the other. Returns how many rows it healed.
   */
  heal(windowS: number): Promise<number>;
}

// Arrays as two parameters: a batch of any size is one statement of constant text. A repeat
// inside the batch keeps its earliest time, as a repeat across batches keeps the first written.
const RECORD_DELIVERIES = `
  WITH batch AS (
    SELECT DISTINCT ON (request_id) request_id, delivered_at
      FROM unnest($1::text[], $2::timestamptz[]) AS b(request_id, delivered_at)
     ORDER BY request_id, delivered_at
  ), recorded AS (
    INSERT INTO usage_deliveries (request_id, delivered_at)
    SELECT request_id, delivered_at FROM batch
    ON CONFLICT (request_id) DO NOTHING
    RETURNING request_id, delivered_at
  ), marked AS (
    UPDATE usage_records u SET delivered_at = r.delivered_at
      FROM recorded r
     WHERE u.request_id = r.request_id AND u.delivered_at IS NULL
    RETURNING u.request_id
  )
  SELECT (SELECT count(*) FROM recorded)::int AS recorded, (SELECT count(*) FROM marked)::int AS marked`;

/** Each batch is recorded through the pool directly (billing-database.ts says why); the heal through Prisma. */
export function createDeliveryRepository(prisma: PrismaClient, pool: pg.Pool): DeliveryRepository {
  return {
    async record(deliveries) {
      if (deliveries.length === 0) return { recorded: 0 };
      const { rows } = await pool.query<{ recorded: number }>(RECORD_DELIVERIES, [
        deliveries.map((d) => d.requestId),
        deliveries.map((d) => d.deliveredAt.toISOString()),
      ]);
      const [row] = rows;
      return { recorded: row?.recorded ?? 0 };
    },

    async heal(windowS) {
      // Driven from recent deliveries (BRIN on recorded_at), each joined to its row by the unique key.
      return prisma.$executeRaw`
        UPDATE usage_records u SET delivered_at = d.delivered_at
          FROM usage_deliveries d
         WHERE d.recorded_at > now() - make_interval(secs => ${windowS})
           AND u.request_id = d.request_id
           AND u.delivered_at IS NULL`;
    },
  };
}
