import { describe, expect, it } from "vitest";
import { batchedInsert } from "./batched-insert.ts";
import type { NewUsageRecord } from "./usage-repository.ts";

const zero = "0";
const record = (requestId: string): NewUsageRecord => ({
  requestId,
  tenantId: "t",
  keyId: "k",
  tier: "free",
  model: "m",
  promptTokens: 1,
  completionTokens: 1,
  outcome: "succeeded",
  backend: null,
  clientRequestId: null,
  kind: "chat",
  startedAt: new Date(0),
  finishedAt: new Date(0),
  promptCost: zero,
  completionCost: zero,
  cost: zero,
});

/** A table in memory: the statement contract insertMany keeps (repeats are not written). */
function fakeTable(fail?: () => Error | undefined) {
  const rows = new Set<string>();
  const statements: string[][] = [];
  const insertMany = async (records: readonly NewUsageRecord[]) => {
    statements.push(records.map((r) => r.requestId));
    const error = fail?.();
    if (error) throw error;
    const written = new Set<string>();
    for (const r of records) {
      if (rows.has(r.requestId)) continue;
      rows.add(r.requestId);
      written.add(r.requestId);
    }
    return written;
  };
  return { rows, statements, insertMany };
}

describe("batchedInsert", () => {
  it("when inserts arrive within the window, then they go out in one statement and each learns its own outcome", async () => {
    const table = fakeTable();
    table.rows.add("old");
    const insert = batchedInsert(table.insertMany, { windowMs: 5, maxRows: 100 });
    const outcomes = await Promise.all(["a", "b", "old", "c"].map((id) => insert(record(id))));
    expect(outcomes).toEqual([true, true, false, true]);
    expect(table.statements).toEqual([["a", "b", "old", "c"]]);
  });

  it("when one request id comes twice in a batch, then only the first is billed and the statement carries it once", async () => {
    const table = fakeTable();
    const insert = batchedInsert(table.insertMany, { windowMs: 5, maxRows: 100 });
    expect(await Promise.all([insert(record("x")), insert(record("x")), insert(record("y"))])).toEqual([true, false, true]);
    expect(table.statements).toEqual([["x", "y"]]);
  });

  it("when a batch is full, then it goes out at once without waiting for the window", async () => {
    const table = fakeTable();
    const insert = batchedInsert(table.insertMany, { windowMs: 400, maxRows: 2 });
    const started = Date.now();
    expect(await Promise.all([insert(record("a")), insert(record("b"))])).toEqual([true, true]);
    expect(Date.now() - started).toBeLessThan(300);
    // One alone waits out the window.
    const late = insert(record("c"));
    await expect(Promise.race([late, new Promise((r) => setTimeout(() => r("waiting"), 50))])).resolves.toBe("waiting");
    expect(await late).toBe(true);
    expect(table.statements).toEqual([["a", "b"], ["c"]]);
  });

  it("when the statement fails, then every insert in it fails (their jobs are retried) and the next batch is unaffected", async () => {
    let failures = 1;
    const table = fakeTable(() => (failures-- > 0 ? new Error("connection lost") : undefined));
    const insert = batchedInsert(table.insertMany, { windowMs: 1, maxRows: 100 });
    const first = await Promise.allSettled([insert(record("a")), insert(record("b"))]);
    expect(first.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(await insert(record("a"))).toBe(true);
    expect([...table.rows]).toEqual(["a"]);
  });
});
