import type { NewUsageRecord } from "./usage-repository.ts";

export interface BatchOptions {
  /** How long the first event of a batch waits for company: billing lag, traded for throughput. */
  windowMs: number;
  /** Rows per statement (18 bind parameters each, far below Postgres's 65,535). */
  maxRows: number;
}

/**
 * Gathers the consumer's concurrent one-row inserts into one multi-row statement per window.
 * Each usage job still waits for its own row to be committed, or for the statement to fail
 * (then every job in it is retried), so no event is acknowledged before it is written; a busy
 * billing service pays one round trip and one query compilation for many events instead of one
 * each, which was most of its CPU.
 *
 * Resolves true when this call's row was written, false for a repeat, including a repeat of a
 * request id earlier in the same batch (the first one is the one billed).
 */
export function batchedInsert(
  insertMany: (records: readonly NewUsageRecord[]) => Promise<Set<string>>,
  options: BatchOptions,
): (record: NewUsageRecord) => Promise<boolean> {
  type Waiter = { record: NewUsageRecord; resolve: (billed: boolean) => void; reject: (err: unknown) => void };
  let pending: Waiter[] = [];
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    const first = new Map<string, NewUsageRecord>();
    for (const { record } of batch) if (!first.has(record.requestId)) first.set(record.requestId, record);
    insertMany([...first.values()]).then(
      (written) => {
        for (const { record, resolve } of batch) resolve(first.get(record.requestId) === record && written.has(record.requestId));
      },
      (err: unknown) => {
        for (const { reject } of batch) reject(err);
      },
    );
  };

  return (record) =>
    new Promise<boolean>((resolve, reject) => {
      pending.push({ record, resolve, reject });
      if (pending.length >= options.maxRows) flush();
      else timer ??= setTimeout(flush, options.windowMs);
    });
}
